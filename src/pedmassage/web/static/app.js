/*
 * On every page: logging out clears what a form kept on this device while the network was down
 * (session.js), so the next person on a shared tablet finds nothing about a child.
 */
(function () {
  "use strict";
  var PREFIX = "pedmassage:draft:";
  document.querySelectorAll("form.logout").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        var store = window.localStorage;
        for (var i = store.length - 1; i >= 0; i -= 1) {
          var name = store.key(i);
          if (name && name.indexOf(PREFIX) === 0) { store.removeItem(name); }
        }
      } catch (e) {
        /* no storage: nothing was kept */
      }
    });
  });
})();
