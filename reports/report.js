// memdie-audit report: filter and sort the findings. Progressive
// enhancement only: without this script every finding is listed in order.
// Reads data-* attributes and moves elements; never writes HTML.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var list = document.getElementById("finding-list");
  if (!form || !list) {
    return;
  }
  var items = Array.prototype.slice.call(list.querySelectorAll("article.finding"));
  var count = document.getElementById("filter-count");

  function value(name) {
    return form.elements[name] ? form.elements[name].value : "";
  }

  function apply() {
    var severity = value("severity"), rule = value("rule"), arch = value("arch");
    var shown = 0;
    items.forEach(function (el) {
      var ok = (!severity || el.dataset.severity === severity) &&
        (!rule || el.dataset.rule === rule) && (!arch || el.dataset.arch === arch);
      el.hidden = !ok;
      if (ok) {
        shown += 1;
      }
    });
    count.textContent = shown + " of " + items.length + " shown";
  }

  function key(el, by) {
    var index = Number(el.dataset.order);
    if (by === "commit") {
      return [el.dataset.commit === "" ? 1e9 : Number(el.dataset.commit), index];
    }
    if (by === "path") {
      return [el.dataset.path === "" ? "\uffff" : el.dataset.path, index];
    }
    if (by === "rule") {
      return [el.dataset.rule, index];
    }
    return [index, 0];
  }

  function sort() {
    var by = value("sort");
    items.slice().sort(function (a, b) {
      var ka = key(a, by), kb = key(b, by);
      if (ka[0] < kb[0]) { return -1; }
      if (ka[0] > kb[0]) { return 1; }
      return ka[1] - kb[1];
    }).forEach(function (el) {
      list.appendChild(el);
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "sort") {
      sort();
    }
    apply();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  form.hidden = false;
  apply();
}());
