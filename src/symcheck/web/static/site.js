/* symcheck: small enhancements on top of pages that work without JavaScript.
 * - suggestions as you type for inputs with data-suggest (ARIA 1.2 combobox with a listbox popup)
 * - the pregnancy question shown only where it applies
 * - a print button, with "why" details opened for printing
 * No inline script, no HTML built from data: suggestions are written with textContent. */
(function () {
  "use strict";

  var nextId = 0;

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function setupCombobox(input) {
    var url = input.getAttribute("data-suggest");
    var mode = input.getAttribute("data-mode") || "navigate";
    var listId = "suggest-" + (nextId++);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.parentNode.appendChild(list);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var lastQuery = null;
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      if (mode === "complaint") {
        input.value = item.label;
        var radios = document.querySelectorAll("input[type=radio][name=complaint]");
        var found = false;
        for (var i = 0; i < radios.length; i++) {
          if (radios[i].value === item.id) { radios[i].checked = true; found = true; }
        }
        if (!found || item.pack) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "complaint";
          hidden.value = item.id;
          hidden.setAttribute("data-picked", "");
          input.form.appendChild(hidden);
        }
        // a complaint of another served pack starts the check in that pack; "" is the site's own
        var packField = input.form.querySelector("input[name=pack]");
        if (!packField && item.pack) {
          packField = document.createElement("input");
          packField.type = "hidden";
          packField.name = "pack";
          packField.setAttribute("data-picked", "");
          input.form.appendChild(packField);
        }
        if (packField) { packField.value = item.pack || ""; }
        close();
        status.textContent = "Selected: " + item.label;
      } else if (item.url) {
        // data-target="_blank": inside a publisher's frame, where the site's pages may not be framed
        if (input.getAttribute("data-target") === "_blank") {
          window.open(item.url, "_blank", "noopener");
        } else {
          window.location.href = item.url;
        }
      }
    }

    function render(data) {
      items = data;
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!data.length) {
        close();
        status.textContent = input.value.trim() ? "No suggestions" : "";
        return;
      }
      data.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var title = document.createElement("span");
        title.textContent = item.title || item.label;
        li.appendChild(title);
        if (item.kind) {
          var kind = document.createElement("span");
          kind.className = "suggestion-kind";
          kind.textContent = item.kind + (item.matched && item.matched !== item.title ? " · “" + item.matched + "”" : "");
          li.appendChild(kind);
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      status.textContent = data.length + (data.length === 1 ? " suggestion" : " suggestions") +
        ". Use the up and down arrows to choose.";
    }

    var fetchSuggestions = debounce(function () {
      var q = input.value;
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (!q.trim()) { render([]); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, signal: controller.signal })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) { if (input.value === q) { render(data); } })
        .catch(function () { /* offline or aborted: the form still works without suggestions */ });
    }, 150);

    input.addEventListener("input", function () {
      if (mode === "complaint") {
        // typed text replaces an earlier pick
        var radios = document.querySelectorAll("input[type=radio][name=complaint]");
        for (var i = 0; i < radios.length; i++) { radios[i].checked = false; }
        var picked = input.form.querySelectorAll("input[data-picked]");
        for (var j = 0; j < picked.length; j++) { picked[j].parentNode.removeChild(picked[j]); }
      }
      fetchSuggestions();
    });
    input.addEventListener("keydown", function (ev) {
      var open = !list.hidden && items.length > 0;
      if (ev.key === "ArrowDown") {
        if (!open) { lastQuery = null; fetchSuggestions(); return; }
        ev.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (ev.key === "ArrowUp" && open) {
        ev.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (ev.key === "Enter" && open && active >= 0) {
        ev.preventDefault();
        pick(active);
      } else if (ev.key === "Escape" && open) {
        ev.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function setupPregnancy() {
    var field = document.getElementById("pregnancy-field");
    var age = document.getElementById("age");
    if (!field || !age) { return; }
    var lo = parseFloat(field.getAttribute("data-min-age"));
    var hi = parseFloat(field.getAttribute("data-max-age"));
    var hint = field.querySelector(".hint");
    if (hint) { hint.hidden = true; }
    function update() {
      var female = document.querySelector("input[name=sex][value=female]");
      var years = parseFloat(age.value);
      var applies = female && female.checked && !isNaN(years) && years >= lo && years <= hi;
      field.hidden = !applies;
      if (!applies) {
        var radios = field.querySelectorAll("input[type=radio]");
        for (var i = 0; i < radios.length; i++) { radios[i].checked = false; }
      }
    }
    var sexes = document.querySelectorAll("input[name=sex]");
    for (var i = 0; i < sexes.length; i++) { sexes[i].addEventListener("change", update); }
    age.addEventListener("input", update);
    update();
  }

  function setupPrint() {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
    var closed = [];
    window.addEventListener("beforeprint", function () {
      closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
      closed.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
      closed.forEach(function (d) { d.open = false; });
      closed = [];
    });
  }

  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) { setupCombobox(inputs[i]); }
    setupPregnancy();
    setupPrint();
    focusErrors();
  });
})();
