// Live checklist of the screening form: the record is screened as it is filled in, nothing stored.
(function () {
  "use strict";
  var form = document.getElementById("screening-form");
  var body = document.getElementById("checklist-body");
  if (!form || !body) { return; }
  var marks = { pass: "\u2713", fail: "\u2717", unknown: "?" };
  var timer = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function fact(list, name, value) {
    list.appendChild(el("dt", "", name));
    list.appendChild(el("dd", "", value));
  }

  function show(result) {
    body.textContent = "";
    if (result.error) {
      body.appendChild(el("p", "alert", result.field + ": " + result.error));
      return;
    }
    var verdict = el("p", "verdict verdict-" + result.verdict, result.verdict);
    verdict.id = "verdict";
    body.appendChild(verdict);
    var d = result.derived || {};
    var derived = el("dl", "derived");
    fact(derived, "Child-Pugh", d.child_pugh ? d.child_pugh["class"] + " (" + d.child_pugh.points + " points)" : "\u2014");
    fact(derived, "ALBI", d.albi ? "grade " + d.albi.grade + " (" + d.albi.score.toFixed(2) + ")" : "\u2014");
    fact(derived, "BCLC", d.bclc ? d.bclc.stage : "\u2014");
    body.appendChild(derived);
    var list = el("ul", "criteria");
    result.criteria.forEach(function (c) {
      var item = el("li", "criterion " + c.status);
      item.setAttribute("data-criterion", c.id);
      item.appendChild(el("span", "mark", marks[c.status] || "?"));
      item.appendChild(el("span", "text", c.text));
      item.appendChild(el("span", "reason", c.reason));
      list.appendChild(item);
    });
    body.appendChild(list);
  }

  function check() {
    fetch("/subjects/check", { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) { if (result) { show(result); } });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
