(function () {
  "use strict";
  // Ticket text is data: everything from the sample goes into the page with textContent or
  // createTextNode, never as markup.
  var data = JSON.parse(document.getElementById("sample").textContent);
  var tickets = data.tickets;
  var storeKey = "csirt-tagger-review:" + data.key;
  var byId = {};
  var keyOf = {};
  data.services.forEach(function (s) {
    byId[s.id] = s;
    keyOf[s.id.toLowerCase()] = s.id;
    s.keys.forEach(function (k) { keyOf[k.toLowerCase()] = s.id; });
  });
  var areaOf = {};
  data.areas.forEach(function (a) { areaOf[a.id] = a; });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function colourOf(id) {
    var s = byId[keyOf[String(id).toLowerCase()]];
    return s && areaOf[s.area] ? areaOf[s.area].colour : "#a0a4a8";
  }
  function nameOf(id) {
    var s = byId[id];
    return s ? s.id + " " + s.name : id;
  }
  // An id, slug, abbreviation or function id as typed: its service's id, or null. "64" is
  // "6.4" when the catalog has no "64".
  function resolve(token) {
    var t = token.toLowerCase();
    if (keyOf[t]) return keyOf[t];
    if (/^[0-9]{2,}$/.test(t)) {
      var dotted = t.charAt(0) + "." + t.slice(1);
      if (keyOf[dotted]) return keyOf[dotted];
    }
    return null;
  }
  function predicted(t) {
    var out = [];
    [t.predicted_primary].concat(t.predicted_services).forEach(function (id) {
      var s = id ? resolve(id) : null;
      if (s && out.indexOf(s) < 0) out.push(s);
    });
    return out;
  }

  // --- State, kept in the browser under a key of this sample ---------------------------------
  var labels = [];
  var current = 0;
  var stored = true;
  try {
    var saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
    if (saved && saved.v === 1 && Array.isArray(saved.labels)) {
      labels = saved.labels;
      current = Math.min(Math.max(saved.current | 0, 0), tickets.length - 1);
    }
  } catch (e) {
    stored = false;
  }
  function store() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify({ v: 1, labels: labels, current: current }));
    } catch (e) {
      stored = false;
    }
  }
  function labelOf(i) {
    var l = labels[i];
    return l ? { services: l.services.slice(), primary: l.primary || null, none: !!l.none, note: l.note || "" }
      : { services: [], primary: null, none: false, note: "" };
  }
  function isLabelled(i) {
    var l = labels[i];
    return !!l && (l.none || l.services.length > 0);
  }
  function put(i, l) {
    if (l.primary && l.services.indexOf(l.primary) < 0) l.primary = null;
    if (!l.primary && l.services.length) l.primary = l.services[0];
    labels[i] = l;
    store();
  }

  // --- Drawing ----------------------------------------------------------------------------------
  var nav = document.getElementById("list");
  var section = document.getElementById("ticket");
  var listButtons = [];

  function drawList() {
    nav.textContent = "";
    var part = null;
    tickets.forEach(function (t, i) {
      if (t.part !== part) {
        part = t.part;
        nav.appendChild(el("h2", part === "random" ? "Random part" : "Targeted part"));
      }
      var b = el("button");
      b.type = "button";
      b.appendChild(el("span", "", "mark"));
      b.appendChild(el("span", t.id + " — " + t.title, "what"));
      b.title = t.title;
      b.addEventListener("click", function () { go(i); });
      nav.appendChild(b);
      listButtons.push(b);
    });
  }

  function markList() {
    listButtons.forEach(function (b, i) {
      b.firstChild.textContent = isLabelled(i) ? "✓" : "";
      b.setAttribute("aria-current", i === current ? "true" : "false");
    });
  }

  function progress() {
    var done = 0, random = 0, randomDone = 0;
    tickets.forEach(function (t, i) {
      if (isLabelled(i)) done++;
      if (t.part === "random") {
        random++;
        if (isLabelled(i)) randomDone++;
      }
    });
    document.getElementById("progress").textContent = done + " of " + tickets.length +
      " labelled (random part " + randomDone + " of " + random + ")" +
      (stored ? "" : " · not kept by this browser: save before closing");
    var meter = document.getElementById("meter");
    meter.max = Math.max(tickets.length, 1);
    meter.value = done;
    document.body.setAttribute("data-labelled", String(done));
  }

  function escapeRe(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // `text` with the words that fired marked in their service's colour.
  function highlighted(tag, cls, text, words) {
    var out = el(tag, null, cls);
    var spans = [];
    words.forEach(function (sw) {
      sw.words.forEach(function (w) {
        var re;
        try { re = new RegExp(escapeRe(w), "giu"); } catch (e) { return; }
        var m;
        while ((m = re.exec(text)) !== null) {
          if (m[0].length === 0) { re.lastIndex++; continue; }
          spans.push({ start: m.index, end: m.index + m[0].length, service: sw.service });
        }
      });
    });
    spans.sort(function (a, b) { return a.start - b.start || (b.end - a.end); });
    var pos = 0;
    spans.forEach(function (s) {
      if (s.start < pos) return;
      out.appendChild(document.createTextNode(text.slice(pos, s.start)));
      var m = el("mark", text.slice(s.start, s.end));
      m.style.background = colourOf(s.service) + "55";
      m.style.boxShadow = "inset 0 -2px 0 " + colourOf(s.service);
      var svc = resolve(s.service);
      m.title = svc ? nameOf(svc) : s.service;
      out.appendChild(m);
      pos = s.end;
    });
    out.appendChild(document.createTextNode(text.slice(pos)));
    return out;
  }

  function hours(seconds) {
    if (seconds == null) return null;
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    return (Math.round(seconds / 360) / 10) + " h";
  }

  function draw() {
    var t = tickets[current];
    if (!t) {
      section.textContent = "";
      section.appendChild(el("p", "The sample is empty: nothing to label."));
      return;
    }
    var l = labelOf(current);
    var focused = document.activeElement && document.activeElement.id;
    section.textContent = "";

    var meta = el("div", null, "meta");
    meta.appendChild(document.createTextNode("Ticket " + (current + 1) + " of " + tickets.length + " · "));
    meta.appendChild(el("span", t.part + (t.part === "random" ? "" : ": " + t.reason), "part " + t.part));
    var where = " · id " + t.id + " · " + (t.input ? t.input + ":" : "line ") + t.line;
    var spent = hours(t.time_spent_s);
    meta.appendChild(document.createTextNode(where + (spent ? " · " + spent + " spent" : "")));
    section.appendChild(meta);

    section.appendChild(highlighted("h2", "title", t.title || "(no title)", t.words));
    if (t.text) section.appendChild(highlighted("p", "text", t.text, t.words));

    var box = el("div", null, "predicted");
    var guess = predicted(t);
    box.appendChild(el("strong", guess.length ? "Predicted" : "Predicted: no service (no rule fired, no close neighbour)"));
    var ul = el("ul");
    var shown = {};
    guess.forEach(function (id, k) {
      shown[id] = true;
      var li = el("li");
      var chip = el("span", null, "chip");
      chip.style.background = colourOf(id);
      li.appendChild(chip);
      li.appendChild(el("span", nameOf(id) + (k === 0 ? " (primary)" : "")));
      var sw = t.words.filter(function (w) { return resolve(w.service) === id; })[0];
      li.appendChild(document.createTextNode(sw ? " — on: " + sw.words.join(", ") : " — by the index (no rule's words)"));
      ul.appendChild(li);
    });
    t.words.forEach(function (sw) {
      var id = resolve(sw.service);
      if (!id || shown[id]) return;
      var li = el("li", "rules of " + nameOf(id) + " fired without reaching a tag — on: " + sw.words.join(", "));
      ul.appendChild(li);
    });
    if (ul.childNodes.length) box.appendChild(ul);
    section.appendChild(box);

    var entry = el("div", null, "entry");
    var lab = el("label", "Services");
    lab.htmlFor = "entry";
    entry.appendChild(lab);
    var input = el("input");
    input.id = "entry";
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = "6.4 6.1 (primary first), or none";
    entry.appendChild(input);
    entry.appendChild(el("span", "", "msg"));
    entry.appendChild(el("span", "Enter: label and next · a: accept predicted · x: none · ?: keys", "hint meta"));
    section.appendChild(entry);

    var said;
    if (l.none) said = el("p", "Labelled: no service applies.", "label");
    else if (l.services.length) {
      said = el("p", null, "label");
      said.appendChild(el("b", "Labelled: "));
      said.appendChild(document.createTextNode(l.services.map(function (id) {
        return nameOf(id) + (id === l.primary ? " (primary)" : "");
      }).join(", ")));
    } else said = el("p", "Not labelled yet.", "label none");
    section.appendChild(said);

    var fs = el("fieldset", null, "services");
    fs.appendChild(el("legend", "Services exercised (tick) · primary (round)"));
    var areaShown = null;
    data.services.forEach(function (s) {
      if (s.area !== areaShown) {
        areaShown = s.area;
        var a = el("div", null, "area");
        var chip = el("span", null, "chip");
        chip.style.background = areaOf[s.area] ? areaOf[s.area].colour : "#a0a4a8";
        a.appendChild(chip);
        a.appendChild(document.createTextNode(s.area + " " + (areaOf[s.area] ? areaOf[s.area].name : "")));
        a.style.gridColumn = "1 / -1";
        fs.appendChild(a);
      }
      var row = el("div", null, "svc" + (guess.indexOf(s.id) >= 0 ? " predicted-one" : ""));
      var box = el("input");
      box.type = "checkbox";
      box.id = "svc-" + s.id;
      box.checked = !l.none && l.services.indexOf(s.id) >= 0;
      box.addEventListener("change", function () { tick(s.id, box.checked); });
      var name = el("label", null);
      name.htmlFor = box.id;
      name.appendChild(el("span", s.id + " " + s.name, "name"));
      var radio = el("input");
      radio.type = "radio";
      radio.name = "primary";
      radio.id = "primary-" + s.id;
      radio.title = "primary service";
      radio.setAttribute("aria-label", s.id + " is the primary service");
      radio.checked = !l.none && l.primary === s.id;
      radio.addEventListener("change", function () { if (radio.checked) makePrimary(s.id); });
      row.appendChild(box);
      row.appendChild(name);
      row.appendChild(radio);
      fs.appendChild(row);
    });
    section.appendChild(fs);

    var note = el("div", null, "note");
    var nl = el("label", "Note");
    nl.htmlFor = "note";
    var ni = el("input");
    ni.id = "note";
    ni.type = "text";
    ni.value = l.note;
    ni.placeholder = "why, or what was unclear (optional)";
    ni.addEventListener("input", function () {
      var k = labelOf(current);
      k.note = ni.value;
      put(current, k);
    });
    note.appendChild(nl);
    note.appendChild(ni);
    section.appendChild(note);

    if (focused) {
      var again = document.getElementById(focused);
      if (again && section.contains(again)) again.focus();
    }
    markList();
    progress();
  }

  // --- Labelling --------------------------------------------------------------------------------
  function tick(id, on) {
    var l = labelOf(current);
    l.none = false;
    var at = l.services.indexOf(id);
    if (on && at < 0) l.services.push(id);
    if (!on && at >= 0) l.services.splice(at, 1);
    if (!on && l.primary === id) l.primary = null;
    put(current, l);
    draw();
  }
  function makePrimary(id) {
    var l = labelOf(current);
    l.none = false;
    if (l.services.indexOf(id) < 0) l.services.push(id);
    l.primary = id;
    put(current, l);
    draw();
  }
  function set(services, none) {
    var l = labelOf(current);
    l.services = none ? [] : services;
    l.primary = none ? null : services[0] || null;
    l.none = none;
    put(current, l);
  }
  function go(i) {
    current = Math.min(Math.max(i, 0), tickets.length - 1);
    store();
    draw();
    if (listButtons[current]) listButtons[current].scrollIntoView({ block: "nearest" });
    window.scrollTo(0, 0);
  }
  function next() {
    if (current + 1 < tickets.length) go(current + 1);
    else draw();
  }
  function focusEntry(prefix) {
    var input = document.getElementById("entry");
    if (!input) return;
    input.value = prefix;
    input.focus();
    input.setSelectionRange(prefix.length, prefix.length);
  }
  function applyEntry() {
    var input = document.getElementById("entry");
    var msg = input.parentNode.querySelector(".msg");
    var tokens = input.value.split(/[\s,;]+/).filter(function (s) { return s.length; });
    if (!tokens.length) {
      next();
      focusEntry("");
      return;
    }
    var services = [], unknown = [], none = false;
    tokens.forEach(function (tok) {
      if (tok.toLowerCase() === "none") { none = true; return; }
      var id = resolve(tok);
      if (!id) unknown.push(tok);
      else if (services.indexOf(id) < 0) services.push(id);
    });
    var problem = unknown.length ? "not a service of the catalog: " + unknown.join(", ") + " (type an id such as 6.4)"
      : none && services.length ? "none goes alone" : "";
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      msg.textContent = problem;
      return;
    }
    set(services, none);
    next();
    focusEntry("");
  }

  // --- Saving -----------------------------------------------------------------------------------
  function guard(v) {
    v = v == null ? "" : String(v);
    return !data.raw && /^[=+\-@\t\r]/.test(v) ? "'" + v : v;
  }
  function cell(v) {
    v = v == null ? "" : String(v);
    return /[",\r\n]/.test(v) ? "\"" + v.replace(/"/g, "\"\"") + "\"" : v;
  }
  function csv() {
    var rows = [data.columns.join(",")];
    tickets.forEach(function (t, i) {
      var l = labelOf(i);
      var services = l.none ? "none" : (l.primary ? [l.primary] : []).concat(
        l.services.filter(function (s) { return s !== l.primary; })).join(";");
      rows.push([
        guard(t.id), t.part, t.reason, guard(t.input), t.line,
        t.time_spent_s == null ? "" : t.time_spent_s,
        guard(t.title), guard(t.text), t.predicted_services.join(";"), t.predicted_primary || "",
        services, l.none ? "" : l.primary || "", guard(l.note)
      ].map(cell).join(","));
    });
    return rows.join("\n") + "\n";
  }
  function save() {
    var blob = new Blob([csv()], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = data.save_as;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 5000);
    var done = labels.filter(function (l, i) { return isLabelled(i); }).length;
    document.body.setAttribute("data-saved", String(done));
  }

  // --- Keys ---------------------------------------------------------------------------------------
  var help = document.getElementById("help");
  function toggleHelp(show) {
    help.hidden = show == null ? !help.hidden : !show;
  }
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("help-button").addEventListener("click", function () { toggleHelp(); });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var target = e.target || {};
    if (target.id === "entry") {
      if (e.key === "Enter") { e.preventDefault(); applyEntry(); }
      else if (e.key === "Escape") target.blur();
      else {
        target.removeAttribute("aria-invalid");
        target.parentNode.querySelector(".msg").textContent = "";
      }
      return;
    }
    if (target.id === "note") {
      if (e.key === "Enter" || e.key === "Escape") { e.preventDefault(); target.blur(); }
      return;
    }
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text")) return;
    if (target.type === "radio" && /^Arrow/.test(e.key)) return;
    var k = e.key;
    if (!help.hidden && (k === "Escape" || k === "?")) { toggleHelp(false); e.preventDefault(); return; }
    switch (k) {
      case "j": case "ArrowRight": go(current + 1); break;
      case "k": case "ArrowLeft": go(current - 1); break;
      case "a": set(predicted(tickets[current]), predicted(tickets[current]).length === 0); next(); break;
      case "x": set([], true); next(); break;
      case "c": labels[current] = null; store(); draw(); break;
      case "u":
        for (var i = 1; i <= tickets.length; i++) {
          var j = (current + i) % tickets.length;
          if (!isLabelled(j)) { go(j); break; }
        }
        break;
      case "s": save(); break;
      case "/": case "e": focusEntry(""); break;
      case "n": var n = document.getElementById("note"); if (n) n.focus(); break;
      case "?": toggleHelp(); break;
      default:
        if (/^[0-9]$/.test(k)) focusEntry(k);
        else return;
    }
    e.preventDefault();
  });

  drawList();
  draw();
  document.body.setAttribute("data-tickets", String(tickets.length));
  document.body.setAttribute("data-ready", "true");
})();
