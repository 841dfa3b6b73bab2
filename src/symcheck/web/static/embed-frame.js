/* symcheck, inside a publisher's frame: tell the framing page how tall the content is, so embed.js can
 * size the frame. Messages go only to the origin the page was opened for (named by embed.js, checked on
 * the server against SYMCHECK_EMBED_ORIGINS and here against the real ancestor), and the only message
 * accepted back ("measure") must come from that same window and origin. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="symcheck-parent"]');
  var parentOrigin = meta ? meta.getAttribute("content") : "";
  if (!parentOrigin || window.parent === window) { return; }
  var ancestors = window.location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== parentOrigin) { return; }

  var last = -1;
  function height() {
    var body = document.body;
    return Math.ceil(Math.max(body.getBoundingClientRect().height, body.scrollHeight));
  }
  function send(kind) {
    var h = height();
    if (kind === "resize" && h === last) { return; }
    last = h;
    window.parent.postMessage({ symcheck: kind, height: h, path: window.location.pathname }, parentOrigin);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) { return; }
    if (event.data && event.data.symcheck === "measure") { last = -1; send("resize"); }
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { send("resize"); }).observe(document.body);
  } else {
    window.addEventListener("resize", function () { send("resize"); });
  }
  // details/summary toggles and suggestion lists change the height without resizing the body's box
  document.addEventListener("toggle", function () { send("resize"); }, true);
  document.addEventListener("input", function () { setTimeout(function () { send("resize"); }, 350); });
  // the next step's heading gets the focus (for screen readers) when the reader is using the frame; a
  // frame that merely loaded with the publisher's page never takes the focus from it
  var target = document.querySelector("[data-autofocus]");
  if (target && document.hasFocus()) { target.focus({ preventScroll: true }); }
  send("loaded");
})();
