/* Parent pages: the routine's timer, the diary form's small helps and the questionnaire's count.
   Everything here is an extra: without it the routine still reads in full (the planned minutes
   are printed), the diary form posts the same answers and the server checks them all. Loaded
   from /static (no inline script), so the site's Content-Security-Policy lets it run. */
(function () {
  "use strict";

  var STORE = "pedmassage.parent.timer";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(seconds) {
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  /* The timer keeps its state in sessionStorage, so opening the diary form (or reloading the
     page) mid-massage does not lose the time; it counts from the wall clock, not from ticks. */
  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE) || "null");
      if (saved && typeof saved.banked === "number") return saved;
    } catch (ignored) { /* storage refused: the timer still works on this page */ }
    return { banked: 0, since: null };
  }

  function save(state) {
    try {
      window.sessionStorage.setItem(STORE, JSON.stringify(state));
    } catch (ignored) { /* as above */ }
  }

  function timer(root) {
    var planned = parseInt(root.getAttribute("data-planned"), 10) || 0;
    var panel = root.querySelector("[data-timer-panel]");
    var shown = root.querySelector("[data-timer-elapsed]");
    var now = root.querySelector("[data-timer-now]");
    var toggle = root.querySelector("[data-timer-toggle]");
    var reset = root.querySelector("[data-timer-reset]");
    var steps = Array.prototype.slice.call(document.querySelectorAll(".step[data-step-ends]"));
    var logLinks = Array.prototype.slice.call(document.querySelectorAll("a[data-log-link]"));
    // The diary has just been answered: that massage is over, so its time is not carried on.
    var state = document.querySelector("[data-massage-logged]") ? { banked: 0, since: null } : load();
    var ticking = null;
    var lastStep = -2;
    var announcedEnd = false;

    function elapsed() {
      var running = state.since ? Date.now() - state.since : 0;
      return Math.max(0, Math.floor((state.banked + running) / 1000));
    }

    function currentStep(seconds) {
      for (var i = 0; i < steps.length; i += 1) {
        if (seconds < parseInt(steps[i].getAttribute("data-step-ends"), 10)) return i;
      }
      return -1;
    }

    function say(text) {
      if (now.textContent !== text) now.textContent = text;
    }

    function showStep(seconds) {
      var index = state.since || seconds ? currentStep(seconds) : -1;
      if (index === lastStep) return;
      lastStep = index;
      steps.forEach(function (step, i) {
        step.classList.toggle("current", i === index);
        if (i === index) step.setAttribute("aria-current", "step");
        else step.removeAttribute("aria-current");
      });
      if (index >= 0) {
        var name = steps[index].getAttribute("data-step-name");
        say("Now: step " + (index + 1) + " of " + steps.length + ", " + name + ".");
      }
    }

    function linkMinutes(seconds) {
      var minutes = Math.max(1, Math.min(60, Math.round(seconds / 60)));
      logLinks.forEach(function (link) {
        var url = new URL(link.href, window.location.href);
        if (seconds >= 30) url.searchParams.set("minutes", String(minutes));
        else url.searchParams.delete("minutes");
        link.href = url.pathname + url.search;
      });
    }

    function draw() {
      var seconds = elapsed();
      shown.textContent = clock(seconds);
      toggle.textContent = state.since ? "Pause" : seconds ? "Resume" : "Start";
      reset.disabled = !seconds && !state.since;
      showStep(seconds);
      var over = planned > 0 && seconds >= planned;
      root.classList.toggle("done", over);
      if (over && !announcedEnd) {
        announcedEnd = true;
        say("Time is up: finish gently, then log the massage.");
      }
      if (!seconds && !state.since) {
        announcedEnd = false;
        say("");
      }
      linkMinutes(seconds);
    }

    function run() {
      if (state.since && ticking === null) ticking = window.setInterval(draw, 500);
      if (!state.since && ticking !== null) {
        window.clearInterval(ticking);
        ticking = null;
      }
      save(state);
      draw();
    }

    toggle.addEventListener("click", function () {
      if (state.since) {
        state.banked += Date.now() - state.since;
        state.since = null;
      } else {
        state.since = Date.now();
      }
      run();
    });

    reset.addEventListener("click", function () {
      state = { banked: 0, since: null };
      lastStep = -2;
      run();
      toggle.focus(); // the Reset button is now disabled: keep the keyboard where it can act
    });

    panel.hidden = false;
    run();
  }

  /* The diary form: "Not done" needs no minutes or response (the server ignores them then), so
     they are put away; "Done" shows the routine's minutes as what an empty box means; choosing a
     problem opens the note, where the parent says what happened ("Something else" needs it). */
  function diary(form) {
    var routine = form.getAttribute("data-routine-minutes") || "";
    var minutes = form.querySelector("#minutes");
    var note = form.querySelector("[data-note]");
    var notNeeded = form.querySelectorAll("[data-when] .minutes, [data-response]");

    function update() {
      var chosen = form.querySelector("input[name=completion]:checked");
      var value = chosen ? chosen.value : "";
      Array.prototype.forEach.call(notNeeded, function (el) {
        el.hidden = value === "not_done";
      });
      if (minutes) minutes.placeholder = value === "done" ? routine : "";
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "completion") update();
      if (target.name === "problem" && target.value !== "none" && note) note.open = true;
    });
    update();
  }

  /* The questionnaire: how many statements are answered so far, shown beside the Save button. */
  function questionnaire(form) {
    var out = form.querySelector("[data-answered]");
    var groups = form.querySelectorAll("fieldset.statement");
    if (!out || !groups.length) return;

    function update() {
      var answered = 0;
      Array.prototype.forEach.call(groups, function (group) {
        if (group.querySelector("input:checked")) answered += 1;
      });
      out.textContent = answered + " of " + groups.length + " statements answered.";
    }

    out.hidden = false;
    form.addEventListener("change", update);
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-timer]"), timer);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-diary]"), diary);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-questionnaire]"), questionnaire);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
