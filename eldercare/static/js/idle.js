/*
 * eldercare — the idle warning. A page session ends on the server after some minutes
 * without a request (ELDERCARE_SESSION_IDLE_MINUTES); two minutes before, this opens the
 * <dialog id="idle-warning"> of templates/accounts/_idle_warning.html with a large
 * "Stay signed in" button. It asks GET /account/session how long is left (asking does not
 * count as activity, so another tab in use keeps this one open too), and the button
 * posts to the same address, which starts the idle clock again. When the session has
 * ended, the dialog says so and links to the sign-in page.
 *
 * Loaded with <script defer> from base.html; no inline script (the Content-Security-Policy
 * allows none). ES5, no dependencies, like site.js.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof window.fetch !== "function") {
    return;
  }
  var statusUrl = dialog.getAttribute("data-status-url") || "/account/session";
  var form = dialog.querySelector("form");
  var timer = null;

  function each(selector, action) {
    var found = dialog.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) {
      action(found[i]);
    }
  }

  function open() {
    if (dialog.open) {
      return;
    }
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  }

  function close() {
    if (!dialog.open) {
      return;
    }
    if (typeof dialog.close === "function") {
      dialog.close();
    } else {
      dialog.removeAttribute("open");
    }
  }

  function focusFirst(selector) {
    var target = dialog.querySelector(selector);
    if (target && typeof target.focus === "function") {
      target.focus();
    }
  }

  function warn() {
    open();
    focusFirst("form button");
  }

  function ended() {
    window.clearTimeout(timer);
    each("[data-idle-warning]", function (el) { el.hidden = true; });
    each("[data-idle-ended]", function (el) { el.hidden = false; });
    dialog.setAttribute("aria-labelledby", "idle-ended-title");
    dialog.setAttribute("aria-describedby", "idle-ended-text");
    open();
    focusFirst("[data-idle-ended] a");
  }

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function follow(status) {
    if (!status || !status.signed_in) {
      ended();
    } else if (status.remaining_seconds > status.warn_seconds) {
      close();
      schedule(status.remaining_seconds - status.warn_seconds);
    } else {
      warn();
      schedule(status.remaining_seconds + 1); // just past the end: the server says so then
    }
  }

  function ask(method) {
    var headers = { Accept: "application/json" };
    if (method === "POST") {
      var token = form && form.querySelector("input[name='_csrf_token']");
      headers["X-CSRFToken"] = token ? token.value : "";
    }
    return window.fetch(statusUrl, {
      method: method,
      credentials: "same-origin",
      cache: "no-store",
      headers: headers
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("status " + response.status);
      }
      return response.json();
    });
  }

  function check() {
    ask("GET").then(follow, function () { schedule(60); });
  }

  function stay() {
    ask("POST").then(follow, check);
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      stay();
    });
  }
  dialog.addEventListener("cancel", function (event) {
    // Escape: someone is there to press it. While the warning shows, that means "stay";
    // once signed out, it just closes the message (what was typed stays on the page).
    if (dialog.querySelector("[data-idle-ended]:not([hidden])")) {
      return;
    }
    event.preventDefault();
    close();
    stay();
  });

  check();
})();
