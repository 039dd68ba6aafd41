// Warn before leaving a page on which something was typed into a form marked
// data-warn-unsaved and not yet saved: signing a meeting off, or following a link, would
// otherwise drop those words without a word. A form saved in place by htmx is swapped out of
// the page, so it no longer counts; a form submitted the ordinary way is saving itself.
(function () {
  "use strict";
  var dirty = new Set();
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-warn-unsaved]");
    if (form) dirty.add(form);
  });
  document.addEventListener("submit", function (event) {
    dirty.delete(event.target);
  });
  window.addEventListener("beforeunload", function (event) {
    var unsaved = Array.from(dirty).some(function (form) { return form.isConnected; });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
