/* Lotledger form helpers (a static file: the Content-Security-Policy allows no inline script).
 *
 * Add line: a [data-formset="<prefix>"] block holds a <tbody data-formset-body>, a
 * <template data-formset-empty> (the formset's empty form, its names holding "__prefix__") and a
 * [data-formset-add] button. A click appends a copy of the empty line numbered TOTAL_FORMS and raises
 * <prefix>-TOTAL_FORMS by one (never past MAX_NUM_FORMS).
 * Print: a [data-print] button opens the browser's print dialog.
 */
(function () {
  "use strict";

  function addLine(block) {
    var prefix = block.getAttribute("data-formset");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var template = block.querySelector("template[data-formset-empty]");
    var body = block.querySelector("[data-formset-body]");
    if (!total || !template || !body) return;
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= (parseInt(max.value, 10) || 1000)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    body.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      var block = add.closest("[data-formset]");
      if (block) addLine(block);
      return;
    }
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
