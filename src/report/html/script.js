(function () {
  "use strict";
  // Sortable tables: a click on a header sorts by that column, a second click reverses.
  // Numeric cells carry their raw value in data-v ("" = no data, sorted last).
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    return v === "" ? null : parseFloat(v);
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === y) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, col, th); });
    });
  });
  // What a test (or a curious reader) can check: charts laid out, tables wired, no error.
  var charts = document.querySelectorAll("svg.chart");
  var drawn = 0;
  Array.prototype.forEach.call(charts, function (svg) {
    var box = svg.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && svg.querySelector("rect, path, circle, polyline")) { drawn += 1; }
  });
  document.body.setAttribute("data-charts", drawn + "/" + charts.length);
  document.body.setAttribute("data-sortable", String(tables.length));
  // Tables that scroll sideways at this width (their ids): the page is meant to fit 1400 px.
  var wide = [];
  Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) { wide.push(wrap.firstElementChild.id); }
  });
  document.body.setAttribute("data-overflow", wide.join(" "));
  document.body.setAttribute("data-ready", "true");
}());
