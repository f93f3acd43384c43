/*
 * eldercare — small extras on top of pages that already work without JavaScript.
 *
 * 1. "Read this page aloud": speaks the content marked [data-read-aloud] with the
 *    browser's own speech engine (window.speechSynthesis). The button stays hidden
 *    when there is no speech engine.
 * 2. "Show password": a button after each password box marked [data-password]; its
 *    words come from the box's data-show-label / data-hide-label.
 * 3. A form shown again with problems moves focus to the first problem.
 *
 * No dependencies, nothing loaded from elsewhere, no animation. ES5 so older phone
 * browsers run it too.
 */
(function () {
  "use strict";

  var lang = document.documentElement.getAttribute("lang") || "zh-CN";
  var isChinese = lang.toLowerCase().indexOf("zh") === 0;

  /* ---------------------------------------------------------- read aloud */

  function setUpReadAloud() {
    var synth = window.speechSynthesis;
    var buttons = document.querySelectorAll(".read-aloud");
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function" || !buttons.length) {
      return;
    }
    var speaking = false;

    function textToRead() {
      var parts = [];
      var blocks = document.querySelectorAll("[data-read-aloud]");
      for (var i = 0; i < blocks.length; i++) {
        parts.push((blocks[i].innerText || blocks[i].textContent || "").replace(/\*+/g, " "));
      }
      return parts.join("\n");
    }

    function pickVoice(utterance) {
      var voices = synth.getVoices ? synth.getVoices() : [];
      var want = isChinese ? "zh" : "en";
      for (var i = 0; i < voices.length; i++) {
        if ((voices[i].lang || "").toLowerCase().replace("_", "-").indexOf(want) === 0) {
          utterance.voice = voices[i];
          return;
        }
      }
    }

    function setLabels() {
      for (var i = 0; i < buttons.length; i++) {
        var b = buttons[i];
        b.textContent = speaking ? b.getAttribute("data-label-stop") : b.getAttribute("data-label-start");
        b.setAttribute("aria-pressed", speaking ? "true" : "false");
      }
    }

    function stop() {
      synth.cancel();
      speaking = false;
      setLabels();
    }

    function start() {
      var text = textToRead();
      if (!text.replace(/\s+/g, "")) {
        return;
      }
      synth.cancel();
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = isChinese ? "zh-CN" : "en";
      utterance.rate = 0.85; /* a little slower than usual */
      pickVoice(utterance);
      utterance.onend = utterance.onerror = function () {
        speaking = false;
        setLabels();
      };
      speaking = true;
      setLabels();
      synth.speak(utterance);
    }

    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        if (speaking) {
          stop();
        } else {
          start();
        }
      });
    }
    window.addEventListener("pagehide", function () {
      synth.cancel();
    });
  }

  /* ---------------------------------------------------------- show password */

  function setUpShowPassword() {
    var fields = document.querySelectorAll("input[data-password]");
    for (var i = 0; i < fields.length; i++) {
      (function (input) {
        /* The words come from the page, already in the reader's language. */
        var show = input.getAttribute("data-show-label") || "Show password";
        var hide = input.getAttribute("data-hide-label") || "Hide password";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary show-password";
        button.textContent = show;
        button.setAttribute("aria-controls", input.id);
        button.setAttribute("aria-pressed", "false");
        button.style.marginTop = "0.5em";
        button.addEventListener("click", function () {
          var hidden = input.type === "password";
          input.type = hidden ? "text" : "password";
          button.textContent = hidden ? hide : show;
          button.setAttribute("aria-pressed", hidden ? "true" : "false");
          input.focus();
        });
        /* Put it back to hidden before the form is sent, so browsers do not save it as text. */
        if (input.form) {
          input.form.addEventListener("submit", function () {
            input.type = "password";
          });
        }
        input.parentNode.insertBefore(button, input.nextSibling);
      })(fields[i]);
    }
  }

  /* ---------------------------------------------------------- focus the first problem */

  function focusFirstProblem() {
    var target = document.getElementById("error-summary") || document.getElementById("form-error");
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  function ready() {
    setUpReadAloud();
    setUpShowPassword();
    focusFirstProblem();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
