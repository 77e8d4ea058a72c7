// Every button that waits shows that it works. A form posted the classic way marks the button that sent it
// (aria-busy, disabled, a spinner from app.css) until the next page arrives; htmx marks its own requests
// with the htmx-request class, which app.css styles the same way.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) {
      return;
    }
    var button = event.submitter || form.querySelector("button:not([type=button])");
    if (!button || button.hasAttribute("data-no-busy")) {
      return;
    }
    // after the browser has taken the form (a disabled button's value would not be sent)
    window.setTimeout(function () {
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
    }, 0);
    // a download or a stopped request never replaces the page: give the button back
    window.setTimeout(function () {
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }, 30000);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy=true]").forEach(function (button) {
      button.removeAttribute("aria-busy");
      button.disabled = false;
    });
  });
})();
