/*
 * The session pages at the bedside: the chosen pain scale's items only, the session timer, and a
 * form that survives the Wi-Fi.
 *
 * A form marked data-draft keeps what was typed on this device until the server has stored it:
 * it is sent with its Idempotency-Key, and when the network is down it is kept and sent again,
 * with the same key, as soon as the connection returns, so a retry is answered once and never
 * stored twice. "Saved" is said only once the server has answered that it stored the form.
 * Without JavaScript every form still posts the ordinary way.
 */
(function () {
  "use strict";

  var DRAFT_PREFIX = "pedmassage:draft:";
  var RETRY_MS = 15000;

  /* The chosen scale's items only; hidden scales are disabled so they are not posted. */
  function scaleChooser() {
    var select = document.getElementById("instrument");
    if (!select) { return; }
    function show() {
      document.querySelectorAll("fieldset[data-scale]").forEach(function (scale) {
        var chosen = scale.getAttribute("data-scale") === select.value;
        scale.hidden = !chosen;
        scale.disabled = !chosen;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  /* Minutes and seconds since the start, from the server's start time; past the screening's
     limit the timer says so. "Use the timer" copies the whole minutes into a minutes box. */
  function timers() {
    document.querySelectorAll("[data-timer]").forEach(function (timer) {
      var started = Date.parse(timer.getAttribute("data-started"));
      var limit = parseInt(timer.getAttribute("data-max-minutes") || "0", 10);
      var face = timer.querySelector("[data-timer-face]");
      var note = timer.querySelector("[data-timer-note]");
      if (isNaN(started) || !face) { return; }
      function elapsedMinutes() {
        return Math.max(0, Math.floor((Date.now() - started) / 60000));
      }
      function tick() {
        var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
        face.textContent = Math.floor(seconds / 60) + ":" + two(seconds % 60);
        var over = limit > 0 && seconds >= limit * 60;
        timer.classList.toggle("over", over);
        if (note) {
          note.textContent = over ? "The screening's limit of " + limit + " minutes is reached" : "";
        }
        document.querySelectorAll("[data-elapsed-minutes]").forEach(function (input) {
          input.value = String(elapsedMinutes());
        });
      }
      document.querySelectorAll("[data-use-timer]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var target = document.getElementById(button.getAttribute("data-use-timer"));
          if (!target) { return; }
          var minutes = Math.max(1, elapsedMinutes());
          target.value = String(limit > 0 ? Math.min(minutes, limit) : minutes);
          target.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
      tick();
      window.setInterval(tick, 1000);
    });
  }

  function storage() {
    try {
      var probe = DRAFT_PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  /* The form's fields as [name, value] pairs, in order, as the browser would post them. */
  function fields(form, submitter) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { pairs.push([name, value]); }
    });
    if (submitter && submitter.name) { pairs.push([submitter.name, submitter.value]); }
    return pairs;
  }

  function restore(form, pairs) {
    var byName = {};
    pairs.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in byName) || el.name === "csrf_token") { return; }
      var values = byName[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1 && !el.disabled;
      } else if (el.tagName === "SELECT" || el.type !== "submit") {
        el.value = values[0];
      }
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function drafts() {
    var store = storage();
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = DRAFT_PREFIX + form.getAttribute("data-draft");
      var status = document.querySelector("[data-save-status='" + form.getAttribute("data-draft") + "']");
      var pending = null;
      var inFlight = false;

      function say(text, state) {
        if (!status) { return; }
        status.textContent = text;
        status.setAttribute("data-state", state);
      }

      // Answers that must be given afresh every time (the child's own yes or no) are never kept
      // in an unsent draft: coming back later, the child is asked again.
      var forget = (form.getAttribute("data-draft-forget") || "").split(" ").filter(Boolean);

      function keep(outgoing) {
        if (!store) { return; }
        var draft = outgoing ?
          { fields: outgoing.fields, action: outgoing.action, sending: true } :
          {
            fields: fields(form, null).filter(function (pair) { return forget.indexOf(pair[0]) === -1; }),
            sending: false
          };
        store.setItem(key, JSON.stringify(draft));
      }

      function send(outgoing) {
        if (inFlight) { return; }
        inFlight = true;
        var body = new URLSearchParams();
        var idempotencyKey = "";
        outgoing.fields.forEach(function (pair) {
          body.append(pair[0], pair[1]);
          if (pair[0] === "idempotency_key") { idempotencyKey = pair[1]; }
        });
        say("Sending…", "sending");
        window.fetch(outgoing.action, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}
        }).then(function (response) {
          inFlight = false;
          pending = null;
          if (response.ok && response.redirected) {
            if (store) { store.removeItem(key); }
            say("Saved.", "saved");
            // A redirect's fragment is not kept by fetch: the form names the one it leads to.
            window.location.assign(response.url + (form.getAttribute("data-fragment") || ""));
            return null;
          }
          return response.text().then(function (html) {
            // Refused (or answered in place): nothing was stored; the page says why, with
            // what was entered, and the draft stays on this device until it is saved.
            if (store) {
              if (response.ok) { store.removeItem(key); } else { keep(null); }
            }
            document.open();
            document.write(html);
            document.close();
          });
        }).catch(function () {
          inFlight = false;
          pending = outgoing;
          say("Not saved: no connection. What you entered is kept on this device and is sent " +
              "again, once, as soon as the connection returns.", "offline");
        });
      }

      var kept = store && store.getItem(key);
      var refused = document.querySelector(".error-summary");
      if (kept && !refused) {
        try {
          var draft = JSON.parse(kept);
          restore(form, draft.fields);
          if (draft.sending) {
            say("Not saved yet: sending again what was entered on this device.", "pending");
            pending = { fields: draft.fields, action: draft.action || form.action };
            send(pending);
          } else {
            say("Restored what was entered on this device and not yet saved.", "restored");
          }
        } catch (e) {
          store.removeItem(key);
        }
      }

      form.addEventListener("input", function () { if (!pending) { keep(null); } });
      form.addEventListener("change", function () { if (!pending) { keep(null); } });

      function retry() {
        if (pending) { send(pending); }
      }
      window.addEventListener("online", retry);
      window.setInterval(retry, RETRY_MS);

      form.addEventListener("submit", function (event) {
        if (!window.fetch || !window.URLSearchParams) { return; }
        event.preventDefault();
        if (inFlight) { return; }  // already on its way: sent once, with one key
        if (pending) { send(pending); return; }  // the kept one, again, with its own key
        var submitter = event.submitter || null;
        var outgoing = {
          fields: fields(form, submitter),
          action: submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action
        };
        keep(outgoing);
        send(outgoing);
      });
    });
  }

  scaleChooser();
  timers();
  drafts();
})();
