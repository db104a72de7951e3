// Filters: each checkbox names a class (l-ORG, match, c-added...); unchecking it adds hide-<class> to
// <body>, which the page's CSS uses to un-highlight those marks and hide those table rows. The state
// lives in the URL fragment (#hide=l-ORG,match) so a filtered view can be linked. No network, no libraries.
(function () {
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][data-key]"));
  function apply() {
    var hidden = [];
    boxes.forEach(function (box) {
      var key = box.getAttribute("data-key");
      document.body.classList.toggle("hide-" + key, !box.checked);
      if (!box.checked) { hidden.push(key); }
    });
    var rows = document.querySelectorAll("table.entities tr.ent-row");
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      if (window.getComputedStyle(row).display !== "none") { shown += 1; }
    });
    var out = document.getElementById("shown");
    if (out) { out.textContent = shown + " of " + rows.length + " shown"; }
    var hash = hidden.length ? "#hide=" + hidden.join(",") : "";
    if (window.location.hash !== hash && history.replaceState) {
      history.replaceState(null, "", hash || window.location.pathname + window.location.search);
    }
  }
  var match = /^#hide=(.*)$/.exec(window.location.hash);
  if (match) {
    var hide = decodeURIComponent(match[1]).split(",");
    boxes.forEach(function (box) { box.checked = hide.indexOf(box.getAttribute("data-key")) < 0; });
  }
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  apply();
})();
