// The body figure's pointer behaviour (templates/sessions/_body_figure.html).
//
// The checkboxes named "regions" are the form's real control: they are what is posted, what the
// keyboard and screen readers use, and what the server checks against the screening. Tapping a
// shape only ticks or unticks the matching checkbox, and the picture is always redrawn from the
// checkboxes, so the two can never disagree. Without this script the list works on its own.
(function () {
  "use strict";

  var SHAPES = "path.site[data-site]";

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function boxes(form) {
    return form.querySelectorAll('input[type="checkbox"][name="regions"]');
  }

  // Compared by value rather than built into a selector, so no site id needs escaping.
  function boxFor(form, site) {
    var found = null;
    each(boxes(form), function (box) {
      if (!found && box.value === site) found = box;
    });
    return found;
  }

  function sitesOf(shape) {
    var ancestors = (shape.getAttribute("data-ancestors") || "").split(" ");
    return [shape.getAttribute("data-site")].concat(ancestors.filter(Boolean));
  }

  // A shape is chosen when its own site or any region containing it is ticked; an avoided shape
  // never is, whatever is ticked.
  function redraw(figure, form) {
    var ticked = {};
    each(boxes(form), function (box) {
      if (box.checked) ticked[box.value] = true;
    });
    each(figure.querySelectorAll(SHAPES), function (shape) {
      var chosen = !shape.classList.contains("avoided") && sitesOf(shape).some(function (site) {
        return ticked[site] === true;
      });
      shape.classList.toggle("chosen", chosen);
      var box = boxFor(form, shape.getAttribute("data-site"));
      shape.classList.toggle("no-box", !box || box.disabled);
    });
  }

  function markFocused(figure, site) {
    each(figure.querySelectorAll(SHAPES), function (shape) {
      shape.classList.toggle("focused", site !== null && shape.getAttribute("data-site") === site);
    });
  }

  function isRegionBox(target) {
    return target && target.name === "regions" && target.type === "checkbox";
  }

  function connect(figure) {
    if (figure.getAttribute("data-body-map") === "picture") return;
    var form = figure.closest("form");
    if (!form || boxes(form).length === 0) return;

    figure.addEventListener("click", function (event) {
      var shape = event.target.closest ? event.target.closest(SHAPES) : null;
      if (!shape || !figure.contains(shape) || shape.classList.contains("avoided")) return;
      var box = boxFor(form, shape.getAttribute("data-site"));
      if (!box || box.disabled) return;
      box.checked = !box.checked;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });

    form.addEventListener("change", function (event) {
      if (isRegionBox(event.target)) redraw(figure, form);
    });
    form.addEventListener("reset", function () {
      window.setTimeout(function () { redraw(figure, form); }, 0);
    });
    form.addEventListener("focusin", function (event) {
      markFocused(figure, isRegionBox(event.target) ? event.target.value : null);
    });
    form.addEventListener("focusout", function () {
      markFocused(figure, null);
    });

    figure.classList.add("is-live");
    redraw(figure, form);
  }

  function start() {
    each(document.querySelectorAll("[data-body-map]"), connect);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Coming back with the browser's Back button restores ticks without a fresh load.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      each(document.querySelectorAll("[data-body-map].is-live"), function (figure) {
        var form = figure.closest("form");
        if (form) redraw(figure, form);
      });
    }
  });
})();
