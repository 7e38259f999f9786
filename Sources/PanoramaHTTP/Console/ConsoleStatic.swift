/// The console's stylesheet and script, compiled into the binary and served under `/app/static/`.
/// The script is loaded as a file (the content policy allows scripts from the same origin only).
enum ConsoleStatic {
    static let css = #"""
        :root { --fg:#1d2433; --muted:#5b6477; --line:#dfe3ea; --bg:#f5f7fa; --card:#fff; --accent:#1f6feb; --accent-2:#e8590c;
          --ok:#1a7f37; --bad:#cf222e; --focus:#ffbf47; font-family: system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
        * { box-sizing: border-box; }
        body { margin:0; color:var(--fg); background:var(--bg); font-size:15px; line-height:1.5; }
        a { color:var(--accent); }
        :focus-visible { outline:3px solid var(--focus); outline-offset:2px; }
        .skip { position:absolute; left:-9999px; top:0; background:#000; color:#fff; padding:8px 12px; z-index:10; }
        .skip:focus { left:8px; }
        .sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
        .top { display:flex; flex-wrap:wrap; align-items:center; gap:8px 20px; padding:10px 24px; background:#0f1b33; color:#fff; }
        .top a { color:#fff; text-decoration:none; }
        .brand { font-weight:700; font-size:18px; letter-spacing:.5px; }
        .top nav ul { list-style:none; display:flex; flex-wrap:wrap; gap:4px; margin:0; padding:0; }
        .top nav a { display:block; padding:6px 10px; border-radius:6px; }
        .top nav a:hover { background:#24365c; }
        .top nav a[aria-current="page"] { background:#1f6feb; }
        .top-right { margin-left:auto; display:flex; align-items:center; gap:12px; }
        .who { opacity:.85; }
        button.link { background:none; border:none; color:#fff; text-decoration:underline; padding:0; cursor:pointer; font:inherit; }
        main { max-width:1240px; margin:0 auto; padding:20px 24px 40px; }
        main:focus { outline:none; }
        h1 { font-size:24px; margin:8px 0 12px; }
        h2 { font-size:17px; margin:0 0 10px; }
        h3 { font-size:15px; margin:14px 0 6px; }
        .head-row { display:flex; flex-wrap:wrap; align-items:center; gap:12px; justify-content:space-between; }
        .actions { display:flex; gap:8px; }
        .card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin:0 0 16px; min-width:0; }
        .narrow { max-width:420px; margin:40px auto; }
        .grid2 { display:grid; grid-template-columns:repeat(2, minmax(0, 1fr)); gap:16px; }
        .grid2 > .card { margin:0; }
        .grid2 + .card, .card + .grid2 { margin-top:16px; }
        .kpis { list-style:none; display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; padding:0; margin:0 0 16px; }
        .kpi { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; display:flex; flex-direction:column; }
        .kpi-label { color:var(--muted); font-size:13px; }
        .kpi-value { font-size:24px; font-variant-numeric:tabular-nums; }
        .kpis.small .kpi-value { font-size:18px; }
        .kpi-change { font-size:13px; }
        .kpi-change.up { color:var(--ok); } .kpi-change.down { color:var(--bad); }
        .muted { color:var(--muted); }
        .hint { color:var(--muted); font-size:13px; }
        .note { background:#fff8e1; border:1px solid #f2d48a; padding:8px 12px; border-radius:8px; }
        .flash { background:#e6f4ea; border:1px solid #9bd3ae; padding:8px 12px; border-radius:8px; }
        .notice { background:#fff8e1; border:1px solid #f0d48a; padding:8px 12px; border-radius:8px; color:#5d4a00; }
        .notice.pending::before { content:""; display:inline-block; width:.8em; height:.8em; margin-right:.5em; border:2px solid #c9a227; border-right-color:transparent; border-radius:50%; vertical-align:-1px; animation:spin 1s linear infinite; }
        @keyframes spin { to { transform:rotate(360deg); } }
        @media (prefers-reduced-motion: reduce) { .notice.pending::before { animation:none; } }
        .error { color:var(--bad); }
        p.error { background:#fdecec; border:1px solid #f3b1b5; padding:8px 12px; border-radius:8px; }
        .table-wrap { overflow-x:auto; }
        table.list { width:100%; border-collapse:collapse; }
        table.list th, table.list td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
        table.list th { font-size:13px; color:var(--muted); font-weight:600; }
        table.list.compact td, table.list.compact th { padding:4px 6px; font-size:14px; }
        tr.sub td { color:var(--muted); font-size:13px; }
        .num { text-align:right !important; font-variant-numeric:tabular-nums; }
        form.inline { display:inline; }
        .stack { display:flex; flex-direction:column; gap:6px; }
        .stack.wide { max-width:none; }
        .row { display:flex; flex-wrap:wrap; gap:10px; align-items:end; }
        .row > div { display:flex; flex-direction:column; gap:4px; flex:1 1 200px; }
        input, select, textarea, button, .button { font:inherit; padding:7px 10px; border:1px solid #b7bfcc; border-radius:6px; background:#fff; color:var(--fg); }
        textarea { width:100%; font-family:ui-monospace, SFMono-Regular, Menlo, monospace; }
        button, .button { cursor:pointer; text-decoration:none; display:inline-block; }
        .primary { background:var(--accent); border-color:var(--accent); color:#fff; }
        button.small { padding:2px 8px; font-size:13px; }
        .search { display:flex; flex-wrap:wrap; gap:8px; margin:0 0 14px; }
        .search input { flex:1 1 280px; }
        .badge { display:inline-block; padding:2px 8px; border-radius:999px; background:#e7efff; color:#0b3d91; font-size:13px; text-decoration:none; margin:2px 0; }
        .badge.seg { background:#fff0e6; color:#8a3700; }
        .badge.tier { background:#f1e7ff; color:#4b1d91; }
        dl.facts { display:grid; grid-template-columns:minmax(90px, max-content) 1fr; gap:4px 14px; margin:0; }
        dl.facts dt { color:var(--muted); }
        dl.facts dd { margin:0; word-break:break-word; }
        ul.plain { list-style:none; padding:0; margin:0; }
        ul.plain li { padding:4px 0; border-bottom:1px dashed var(--line); }
        ul.columns { columns:3 220px; }
        ol.timeline { list-style:none; padding:0; margin:0; }
        ol.timeline li { padding:6px 0 6px 14px; border-left:2px solid var(--line); }
        code.detail { font-size:12px; color:var(--muted); word-break:break-all; }
        pre.rule { white-space:pre-wrap; background:#f0f3f8; padding:8px 10px; border-radius:6px; }
        .crumbs { margin:0; color:var(--muted); font-size:14px; }
        .pager { display:flex; gap:16px; margin:12px 0; }
        .foot { text-align:center; color:var(--muted); font-size:12px; padding:16px; }
        .chart { width:100%; height:auto; max-height:420px; }
        .chart text { font-size:12px; fill:#3b4357; }
        .chart .chart-bar { fill:var(--accent); }
        .chart a:hover .chart-bar, .chart a:focus .chart-bar { fill:var(--accent-2); }
        .chart a:focus { outline:none; }
        .chart a:focus rect { stroke:#000; stroke-width:2; }
        .chart .chart-grid { stroke:#e5e8ee; }
        .chart .chart-line { stroke-width:2.5; }
        .chart .chart-line-0 { stroke:var(--accent); } .chart .chart-line-1 { stroke:#98a2b3; }
        .chart .chart-swatch-0 { fill:var(--accent); } .chart .chart-swatch-1 { fill:#98a2b3; }
        .heat-0{fill:#eef4ff}.heat-1{fill:#dbe7ff}.heat-2{fill:#c3d7ff}.heat-3{fill:#a7c3fb}.heat-4{fill:#8aaef5}
        .heat-5{fill:#6e98ee}.heat-6{fill:#5282e5}.heat-7{fill:#386cd8}.heat-8{fill:#2257c6}.heat-9{fill:#1244ab}
        .chart .heat-text-dark { fill:#fff; }
        fieldset.builder { border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
        .group { border:1px solid #c9d3e3; border-radius:8px; padding:8px 10px; margin:0 0 10px; background:#f9fbfe; }
        .group-head { display:flex; flex-wrap:wrap; gap:8px; align-items:center; margin-bottom:6px; }
        .cond { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin:4px 0; }
        .cond select, .cond input { min-width:0; }
        .rule-status { font-size:15px; padding:6px 0; }
        #live-count { font-size:20px; }
        details.key-sign-in { margin-top:16px; }
        .tabs ul { list-style:none; display:flex; flex-wrap:wrap; gap:4px; margin:0 0 14px; padding:0; border-bottom:1px solid #d0d7de; }
        .tabs a { display:inline-block; padding:6px 12px; text-decoration:none; border-radius:6px 6px 0 0; }
        .tabs a[aria-current="page"] { background:#1f6feb; color:#fff; }
        form.filters { display:flex; flex-wrap:wrap; align-items:center; gap:6px 10px; margin:0 0 14px; }
        form.filters input:not([type]), form.filters input[type=date] { width:11em; }
        form.filters input[type=number] { width:7em; }
        .funnel-form fieldset { border:0; padding:0; margin:0; display:grid; grid-template-columns:max-content 1fr; gap:6px 10px; align-items:center; }
        .funnel-form { max-width:640px; }
        .funnel-form legend { font-weight:600; margin-bottom:6px; }
        .note.ok { border-left-color:#1a7f37; background:#dafbe1; color:#0f5323; }
        table.audit td.when { white-space:nowrap; }
        table.audit td.detail { font-size:12px; color:#57606a; word-break:break-word; }
        @media (max-width: 760px) {
          .top { padding:8px 12px; }
          .top nav ul { gap:0; }
          .top nav a { padding:6px 8px; }
          main { padding:12px; }
          .grid2 { grid-template-columns:1fr; }
          .kpis { grid-template-columns:repeat(2, minmax(0, 1fr)); }
          table.list th, table.list td { padding:6px 4px; font-size:14px; }
          .hide-narrow { display:none; }
        }
        .edit-form { margin-top:12px; border-top:1px solid var(--line); padding-top:10px; }
        .edit-form h3 { margin-top:0; }
        .edit-form .row > div.check { flex-direction:row; align-items:center; gap:6px; flex:1 1 100%; }
        .edit-form input:not([type=checkbox]), .edit-form select { width:100%; min-width:0; }
        fieldset.rows { border:1px solid var(--line); border-radius:8px; padding:8px 12px; margin:10px 0; min-width:0; }
        fieldset.rows legend { font-weight:600; }
        .edit-row { padding:6px 0; border-bottom:1px dashed var(--line); }
        .edit-row > div { flex:1 1 130px; }
        .edit-row:last-of-type { border-bottom:0; }
        .card.secret { border-color:#f2d48a; background:#fffbea; }
        .secret-value { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; width:100%; max-width:44em; }
        button.danger { color:var(--bad); border-color:var(--bad); background:#fff; }
        td.gain { color:var(--ok); } td.loss { color:var(--bad); }
        table.roi th[scope=row] { font-weight:600; color:var(--fg); font-size:14px; }
        /* Screen-reader-only text in a scrolling table stays inside its scroller (else it widens the page). */
        .table-wrap { position:relative; }
        """#

    static let js = #"""
        // Panorama console: progressive enhancements only; every page works without this file.
        (function () {
          "use strict";
          var csrf = document.body.getAttribute("data-csrf") || "";

          // Period selects submit themselves.
          document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
            s.addEventListener("change", function () { s.form.submit(); });
          });
          // Forms that ask before doing something that is hard to take back.
          document.querySelectorAll("form[data-confirm]").forEach(function (f) {
            f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault(); });
          });
          // Pages of running work reload themselves.
          var refresh = document.querySelector("[data-refresh]");
          if (refresh) setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh")));

          // The segment builder: groups of conditions → the rule text → the live count.
          var dataNode = document.getElementById("builder-data");
          if (!dataNode) return;
          var data = JSON.parse(dataNode.textContent);
          var t = data.text;
          var ruleBox = document.getElementById("rule");
          var countNode = document.getElementById("live-count");
          var errorNode = document.getElementById("rule-error");
          var groupsNode = document.getElementById("groups");
          var joinSelect = document.getElementById("groups-join");
          document.getElementById("builder").hidden = false;
          var serial = 0;

          function option(value, label, selected) {
            var o = document.createElement("option");
            o.value = value; o.textContent = label; if (selected) o.selected = true; return o;
          }
          function fieldOf(name) { return data.fields.filter(function (f) { return f.name === name; })[0]; }
          function quote(v) { return "'" + String(v).replace(/'/g, "''") + "'"; }
          function ident(name) { return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : '"' + name.replace(/"/g, '""') + '"'; }
          function literal(field, v) {
            if (field.type === "integer" || field.type === "decimal") return String(Number(v));
            if (field.type === "boolean") return /^(true|1|yes|是)$/i.test(v) ? "TRUE" : "FALSE";
            if (field.type === "date") return "DATE " + quote(v);
            return quote(v);
          }
          function conditionText(row) {
            var kind = row.querySelector(".c-field").value;
            var op = row.querySelector(".c-op").value;
            var value = row.querySelector(".c-value").value.trim();
            if (kind.indexOf("tag:") === 0) return (op === "not_has" ? "NOT " : "") + "tag(" + quote(kind.slice(4)) + ")";
            if (kind.indexOf("segment:") === 0) return (op === "not_has" ? "NOT " : "") + "segment(" + quote(kind.slice(8)) + ")";
            var field = fieldOf(kind);
            if (!field) return "";
            var name = ident(field.name);
            if (op === "null") return name + " IS NULL";
            if (op === "not_null") return name + " IS NOT NULL";
            if (value === "") return "";
            if (op === "in") return name + " IN (" + value.split(/[,，]/).map(function (v) { return literal(field, v.trim()); }).join(", ") + ")";
            if (op === "contains") return name + " LIKE " + quote("%" + value + "%");
            return name + " " + op + " " + literal(field, value);
          }
          function groupText(group) {
            var parts = [];
            group.querySelectorAll(".cond").forEach(function (row) { var c = conditionText(row); if (c) parts.push(c); });
            if (!parts.length) return "";
            var join = " " + group.querySelector(".g-join").value + " ";
            var text = parts.length > 1 ? "(" + parts.join(join) + ")" : parts[0];
            return group.querySelector(".g-not").checked ? "NOT " + (parts.length > 1 ? text : "(" + text + ")") : text;
          }
          function build() {
            var parts = [];
            groupsNode.querySelectorAll(".group").forEach(function (g) { var s = groupText(g); if (s) parts.push(s); });
            if (!parts.length) return;
            ruleBox.value = parts.join(" " + joinSelect.value + " ");
            schedule();
          }
          function setOperators(row) {
            var kind = row.querySelector(".c-field").value;
            var ops = row.querySelector(".c-op");
            var current = ops.value;
            ops.innerHTML = "";
            var valueBox = row.querySelector(".c-value");
            if (kind.indexOf("tag:") === 0 || kind.indexOf("segment:") === 0) {
              ops.appendChild(option("has", t.op_has)); ops.appendChild(option("not_has", t.op_not_has));
              valueBox.hidden = true;
            } else {
              var field = fieldOf(kind) || {type: "string"};
              var list = [["=", "="], ["!=", "≠"]];
              if (field.type !== "boolean") list = list.concat([[">", ">"], [">=", "≥"], ["<", "<"], ["<=", "≤"], ["in", t.op_in]]);
              if (field.type === "string") list.push(["contains", t.op_contains]);
              list = list.concat([["null", t.op_null], ["not_null", t.op_not_null]]);
              list.forEach(function (o) { ops.appendChild(option(o[0], o[1], o[0] === current)); });
              valueBox.hidden = false;
              valueBox.placeholder = field.type === "date" ? "2026-01-31" : (field.example || t.value);
            }
          }
          function addCondition(group) {
            serial += 1;
            var row = document.createElement("div");
            row.className = "cond";
            var field = document.createElement("select");
            field.className = "c-field"; field.id = "c-field-" + serial;
            field.setAttribute("aria-label", t.field);
            var attrs = document.createElement("optgroup"); attrs.label = t.attributes_and_traits;
            data.fields.forEach(function (f) { attrs.appendChild(option(f.name, f.label)); });
            field.appendChild(attrs);
            if (data.tags.length) {
              var tags = document.createElement("optgroup"); tags.label = t.tags;
              data.tags.forEach(function (n) { tags.appendChild(option("tag:" + n, n)); });
              field.appendChild(tags);
            }
            if (data.segments.length) {
              var segs = document.createElement("optgroup"); segs.label = t.segments;
              data.segments.forEach(function (n) { segs.appendChild(option("segment:" + n, n)); });
              field.appendChild(segs);
            }
            var op = document.createElement("select"); op.className = "c-op"; op.setAttribute("aria-label", t.operator);
            var value = document.createElement("input"); value.className = "c-value"; value.setAttribute("aria-label", t.value);
            var remove = document.createElement("button"); remove.type = "button"; remove.textContent = "×";
            remove.className = "small"; remove.setAttribute("aria-label", t.remove_condition);
            remove.addEventListener("click", function () { row.remove(); build(); });
            field.addEventListener("change", function () { setOperators(row); build(); });
            op.addEventListener("change", build);
            value.addEventListener("input", build);
            row.appendChild(field); row.appendChild(op); row.appendChild(value); row.appendChild(remove);
            group.querySelector(".conds").appendChild(row);
            setOperators(row);
            return row;
          }
          function addGroup() {
            serial += 1;
            var g = document.createElement("div");
            g.className = "group";
            g.setAttribute("role", "group");
            g.setAttribute("aria-label", t.group);
            var head = document.createElement("div"); head.className = "group-head";
            var notLabel = document.createElement("label");
            var not = document.createElement("input"); not.type = "checkbox"; not.className = "g-not";
            notLabel.appendChild(not); notLabel.appendChild(document.createTextNode(" " + t.op_not));
            var join = document.createElement("select"); join.className = "g-join"; join.setAttribute("aria-label", t.conditions_join);
            join.appendChild(option("AND", t.all_of)); join.appendChild(option("OR", t.any_of));
            var add = document.createElement("button"); add.type = "button"; add.textContent = "+ " + t.add_condition;
            add.className = "add-condition";
            var remove = document.createElement("button"); remove.type = "button"; remove.textContent = t.remove_group;
            head.appendChild(join); head.appendChild(notLabel); head.appendChild(add); head.appendChild(remove);
            var conds = document.createElement("div"); conds.className = "conds";
            g.appendChild(head); g.appendChild(conds);
            not.addEventListener("change", build); join.addEventListener("change", build);
            add.addEventListener("click", function () { addCondition(g).querySelector(".c-field").focus(); build(); });
            remove.addEventListener("click", function () { g.remove(); build(); });
            groupsNode.appendChild(g);
            addCondition(g);
            return g;
          }
          document.getElementById("add-group").addEventListener("click", function () {
            addGroup().querySelector(".c-field").focus(); build();
          });
          joinSelect.addEventListener("change", build);

          var timer = null, seq = 0;
          function schedule() { clearTimeout(timer); timer = setTimeout(count, 250); }
          function count() {
            var mine = ++seq;
            var body = new URLSearchParams(); body.set("rule", ruleBox.value);
            countNode.setAttribute("aria-busy", "true");
            fetch("/app/rules/count", {method: "POST", headers: {"X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded"}, body: body, credentials: "same-origin"})
              .then(function (r) { return r.json(); })
              .then(function (j) {
                if (mine !== seq) return;
                countNode.removeAttribute("aria-busy");
                if (j.error) { countNode.textContent = "–"; errorNode.textContent = j.error; ruleBox.setAttribute("aria-invalid", "true"); }
                else { countNode.textContent = j.count_text; errorNode.textContent = ""; ruleBox.removeAttribute("aria-invalid"); }
              })
              .catch(function () { countNode.removeAttribute("aria-busy"); });
          }
          ruleBox.addEventListener("input", schedule);
          if (!ruleBox.value) { addGroup(); }
        })();
        """#
}
