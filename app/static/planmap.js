/* Wenzhou plan map — the page's own behaviour: popups from the JSON API, search, the build-period
 * filter, 15-30-60 minute rings and printing. Everything shown comes from the API and is escaped
 * before it is put into the page. */
var planmap = (function () {
  "use strict";
  var state = { map: null, parcels: null, sites: null, rings: null, plan: null };

  function esc(v) {
    if (v === null || v === undefined) return "";
    return String(v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(v, digits) {
    if (v === null || v === undefined || v === "") return "—";
    return Number(v).toFixed(digits === undefined ? 2 : digits);
  }
  function mu(m2) { return m2 ? (m2 / (10000 / 15)).toFixed(1) + " 亩" : "—"; }
  function period(p) {
    if (!p.period_start && p.complete_by) return "不晚于 " + p.complete_by + " 年建成";
    if (!p.period_start) return "—";
    return p.period_start + (p.period_end && p.period_end !== p.period_start ? "–" + p.period_end : "");
  }
  // where the app is mounted ("/" or "/planmap/" behind a proxy): every URL below is relative to it
  function url(path) {
    var meta = document.querySelector("meta[name='planmap-root']");
    return (meta ? meta.content : "/") + path;
  }

  // what each shape quality means: from the one cartography (layers/cartography.py), sent in the page
  var QUALITY = null;
  function quality(q) {
    if (QUALITY === null) {
      var el = document.getElementById("pm-cartography");
      QUALITY = el ? JSON.parse(el.textContent).qualities : {};
    }
    return QUALITY[q] || q || "";
  }
  function problemsNote(d) {
    if (!d.problems || !d.problems.length) return "";
    return "<p class='warn'>数据问题 Data problems (feature " + esc(d.id) + ")：" +
      d.problems.map(esc).join("；") + "</p>";
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.message || r.statusText); e.body = body; throw e; }
        return body;
      });
    });
  }

  function projectsTable(projects) {
    if (!projects.length) return "<p>此处没有定位到项目。No project located here.</p>";
    var rows = projects.slice(0, 30).map(function (p) {
      var also = p.entity ? "<div class='src pm-entity'>多部规划列出：规划" + esc(p.entity.plans.split(";").join("、")) +
        (p.entity.n_disagreements ? "，<b>" + esc(p.entity.n_disagreements) + " 处不一致</b>" : "") +
        " <a href='#' data-entity='" + esc(p.entity.entity_id) + "'>对照</a></div>" : "";
      return "<tr><td>" + esc(p.name) + "<div class='src'>规划" + esc(p.plan) + " · " + esc(p.list_name) +
        " · 第" + esc(p.source_line) + "行</div>" + also + "</td><td>" + num(p.total_investment_yi) + "</td><td>" +
        num(p.fyp_investment_yi) + "</td><td>" + mu(p.land_area_m2) + "</td><td>" + esc(p.build_type || "—") +
        "</td><td>" + esc(period(p)) + "</td><td>" + esc(p.owner || "—") + "</td></tr>";
    }).join("");
    var more = projects.length > 30 ? "<p>…另有 " + (projects.length - 30) + " 项</p>" : "";
    return "<table><thead><tr><th>项目</th><th>总投资<br>亿元</th><th>十四五<br>亿元</th><th>用地</th>" +
      "<th>性质</th><th>建设期</th><th>责任单位</th></tr></thead><tbody>" + rows + "</tbody></table>" + more;
  }

  var QUOTA_FLAGS = { exceeds_quota: "超出指标（按规划所列项目用地）", no_projects_located: "片区内无已定位项目",
                      zone_inside: "所指片区未成图，显示所在片区", no_zone: "未指明片区" };

  /* a zone's land figures: its land quotas (compared with its projects' land) first, the rest as context */
  function quotasTable(quotas) {
    if (!quotas || !quotas.length) return "";
    var rows = quotas.filter(function (q) { return q.comparable; })
      .concat(quotas.filter(function (q) { return !q.comparable; }));
    return "<h4>片区用地数字 Land figures</h4><table>" + rows.slice(0, 10).map(function (q) {
      var used = q.comparable && q.share_used !== null && q.share_used !== undefined ? "；项目用地 " +
        mu(q.projects_land_m2) + "（" + (100 * q.share_used).toFixed(0) + "%）" : "";
      var flag = q.flag ? "；" + esc(String(q.flag).split(";").map(function (f) { return QUOTA_FLAGS[f] || f; }).join("、")) : "";
      return "<tr" + (q.comparable ? "" : " class='pm-context'") + "><td>" + esc(q.quota_class_zh || "") + " · " +
        esc(q.item) + "：" + esc(q.value) + " " + esc(q.unit) + used + flag +
        "<div class='src'>" + esc(q.zone) + " · 规划" + esc(q.plan) + " 第" + esc(q.source_line) + "行" +
        (q.comparable ? "" : " · 背景") + "</div></td></tr>";
    }).join("") + (rows.length > 10 ? "<tr><td>…另有 " + (rows.length - 10) + " 条</td></tr>" : "") + "</table>";
  }

  function parcelHTML(d) {
    var p = d.properties;
    return "<div class='pm-popup'><h4>地块 " + esc(p.code) + "</h4>" +
      "<p>" + esc(p.zone_name) + "（规划" + esc(p.plan) + "）；规划面积 " + mu(p.area_stated_m2) +
      "；投资 " + num(p.total_investment_yi) + " 亿元（十四五 " + num(p.fyp_investment_yi) + "）</p>" +
      projectsTable(d.projects) + quotasTable(d.quotas) +
      "<p class='warn'>图形：" + esc(quality(p.quality)) + "（" + esc(p.area_rule) + "）</p>" + problemsNote(d) +
      "<p class='src'>依据：" + esc(p.source_ref) + " · 定位规则 " + esc(p.placed_by) + "</p>" +
      "<button type='button' class='pm-ring-btn' data-kind='parcel' data-id='" + esc(p.code) + "' data-plan='" +
      esc(p.plan) + "'>15-30-60 分钟</button> <a href='" + url("parcel/") + encodeURIComponent(p.plan) + "/" +
      encodeURIComponent(p.code) + "'>地块页面</a></div>";
  }

  function structureHTML(d) {
    var p = d.properties;
    var area = p.area_km2 ? "；面积 " + num(p.area_km2) + " km²" + (p.area_stated_km2 ? "（规划 " + num(p.area_stated_km2) + "）" : "") : "";
    return "<div class='pm-popup'><h4>" + esc(p.name_zh) + "</h4><p>" + esc(p.name_en) + "</p>" +
      "<p>" + esc(p.structure) + " · " + esc(p.kind) + area + "</p><p>" + esc(p.role) + "</p>" +
      "<p>项目 " + esc(p.n_projects) + " 个，总投资 " + num(p.total_investment_yi) + " 亿元（十四五 " +
      num(p.fyp_investment_yi) + "）</p>" + projectsTable(d.projects) + quotasTable(d.quotas) +
      "<p class='warn'>图形：" + esc(quality(p.quality)) + (p.note ? "；" + esc(p.note) : "") + "</p>" + problemsNote(d) +
      "<p class='src'>依据：" + esc(p.source_ref) + " · 配方 " + esc(p.recipe) + "</p>" +
      "<button type='button' class='pm-ring-btn' data-kind='structure' data-id='" + esc(p.id) + "' data-plan='" +
      esc(p.plan) + "'>15-30-60 分钟</button></div>";
  }

  function projectHTML(p) {
    return "<div class='pm-popup'><h4>" + esc(p.name) + "</h4>" + projectsTable([p]) +
      "<p>定位：" + esc(p.located_by) + " → " + esc(p.located_on) + "（" + esc(quality(p.location_quality)) + "）</p>" +
      (p.entity ? entityHTML(p.entity) : "") + "<p class='src'>" + esc(p.content) + "</p></div>";
  }

  /* one project listed by several plans: each plan's figures side by side, what differs in red */
  function entityHTML(e) {
    var rows = e.members.map(function (m) {
      return "<tr><td>规划" + esc(m.plan) + "<div class='src'>" + esc(m.list_name) + " · 第" + esc(m.source_line) +
        "行</div></td><td>" + num(m.total_investment_yi) + "</td><td>" + num(m.fyp_investment_yi) + "</td><td>" +
        mu(m.land_area_m2) + "</td><td>" + esc(period(m)) + "</td><td>" + esc(m.located_on || "未定位") + "</td></tr>";
    }).join("");
    return "<div class='pm-entity'><h4>各规划对照 Across plans</h4><table><thead><tr><th>规划</th><th>总投资<br>亿元</th>" +
      "<th>十四五<br>亿元</th><th>用地</th><th>建设期</th><th>定位</th></tr></thead><tbody>" + rows + "</tbody></table>" +
      (e.disagreements.length ? "<p class='warn'>" + e.disagreements.map(esc).join("<br>") + "</p>"
        : "<p>各规划数字一致。The plans agree.</p>") + "</div>";
  }

  function openEntity(id, latlng) {
    var popup = L.popup({ maxWidth: 560, minWidth: 360 }).setLatLng(latlng || state.map.getCenter())
      .setContent("<div class='pm-popup'>载入中…</div>").openOn(state.map);
    return getJSON(url("api/entities/") + encodeURIComponent(id)).then(function (e) {
      popup.setContent("<div class='pm-popup'><h4>" + esc(e.name_zh) + "</h4>" + entityHTML(e) + "</div>");
    }).catch(function (err) {
      popup.setContent("<div class='pm-popup pm-error'>" + esc(err.message) + "</div>");
    });
  }

  function open(kind, id, plan, latlng) {
    var api = kind === "parcel" ? url("api/parcels/") + encodeURIComponent(id) + "?plan=" + encodeURIComponent(plan || "")
      : kind === "structure" ? url("api/structures/") + encodeURIComponent(id)
      : url("api/projects/") + encodeURIComponent(id);
    var popup = L.popup({ maxWidth: 560, minWidth: 360 }).setLatLng(latlng)
      .setContent("<div class='pm-popup'>载入中…</div>").openOn(state.map);
    return getJSON(api).then(function (d) {
      popup.setContent(kind === "parcel" ? parcelHTML(d) : kind === "structure" ? structureHTML(d) : projectHTML(d));
    }).catch(function (e) {
      popup.setContent("<div class='pm-popup pm-error'>" + esc(e.message) + "</div>");
    });
  }

  var RING_COLOURS = { 15: "#1a9850", 30: "#fee08b", 60: "#d73027" };

  function rings(params) {
    var q = Object.keys(params).map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
    var panel = document.getElementById("pm-rings-summary");
    panel.hidden = false;
    panel.innerHTML = "<h2>15-30-60 分钟圈层</h2><p>计算中… computing</p>";
    state.rings.clearLayers();
    return getJSON(url("api/rings?") + q + "&minutes=15,30,60").then(function (d) {
      var feats = d.rings.features.slice().sort(function (a, b) { return b.properties.minutes - a.properties.minutes; });
      feats.forEach(function (f) {
        var c = RING_COLOURS[f.properties.minutes] || "#3182bd";
        L.geoJSON(f, { style: { color: c, weight: 2, fillColor: c, fillOpacity: 0.18 }, interactive: false })
          .addTo(state.rings);
      });
      if (feats.length) state.map.fitBounds(L.geoJSON(feats[0]).getBounds());
      panel.innerHTML = "<h2>15-30-60 分钟圈层 <small>" + esc(d.origin) + " · " + esc(d.mode) + " · " +
        esc(d.network) + "</small></h2>" +
        "<table class='pm-table'><thead><tr><th>分钟</th><th>面积 km²</th><th>地块</th><th>项目</th><th>投资 亿元</th><th>城镇</th></tr></thead><tbody>" +
        d.rings.features.map(function (f) {
          var s = f.properties;
          return "<tr data-minutes='" + esc(s.minutes) + "'><td>" + esc(s.minutes) + "</td><td>" + num(s.area_km2) + "</td><td>" +
            esc(s.parcels) + "</td><td>" + esc(s.projects) + "</td><td>" + num(s.investment_yi) + "</td><td>" +
            esc((s.towns || []).join("、") || "—") + "</td></tr>";
        }).join("") + "</tbody></table><p class='pm-note'>" + esc(d.note || "") + "</p>";
    }).catch(function (e) {
      panel.innerHTML = "<h2>15-30-60 分钟圈层</h2><p class='pm-error' id='pm-rings-error'>" + esc(e.message) + "</p>" +
        (e.body && e.body.command ? "<p>命令：<code>" + esc(e.body.command) + "</code></p>" : "");
    });
  }

  function search(q) {
    var list = document.getElementById("pm-results");
    if (!q || !q.trim()) { list.hidden = true; return false; }
    getJSON(url("api/search?q=") + encodeURIComponent(q)).then(function (d) {
      list.innerHTML = d.results.length ? d.results.map(function (r, i) {
        return "<li data-i='" + i + "'><span class='kind'>" + esc({ parcel: "地块", structure: "结构", project: "项目", place: "地名", entity: "多规划" }[r.kind]) +
          "</span>" + esc(r.label) + "</li>";
      }).join("") : "<li>没有找到 “" + esc(q) + "”</li>";
      list.hidden = false;
      Array.prototype.forEach.call(list.querySelectorAll("li[data-i]"), function (li) {
        li.addEventListener("click", function () {
          var r = d.results[Number(li.getAttribute("data-i"))];
          list.hidden = true;
          if (r.kind === "entity") { openEntity(r.id); return; }
          var ll = L.latLng(r.lat, r.lon);
          state.map.setView(ll, Math.max(state.map.getZoom(), 14));
          if (r.kind === "parcel") {
            var pl = parcelLayer(r.id, r.plan);
            if (pl) { ll = pl.getBounds().getCenter(); state.map.setView(ll, Math.max(state.map.getZoom(), 15)); }
            open("parcel", r.id, r.plan, ll);
          }
          else if (r.kind === "structure") open("structure", r.id, r.plan, ll);
          else if (r.kind === "project") open("project", r.id, r.plan, ll);
        });
      });
    }).catch(function (e) {
      list.innerHTML = "<li class='pm-error'>" + esc(e.message) + "</li>";
      list.hidden = false;
    });
    return false;
  }

  function active(props, year) {
    if (!year) return true;
    var y = Number(year);
    return props.period_start && props.period_start <= y && (props.period_end || props.period_start) >= y;
  }

  function filterYear(year) {
    state.sites.eachLayer(function (l) {
      var on = active(l.feature.properties, year);
      l.setStyle({ opacity: on ? 1 : 0, fillOpacity: on ? 0.7 : 0 });
    });
    state.parcels.eachLayer(function (l) {
      var on = active(l.feature.properties, year);
      l.setStyle({ opacity: on ? 1 : 0.15, fillOpacity: on ? 0.85 : 0.05 });
    });
  }

  function print() {
    var b = state.map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    window.open(url("sheet?bbox=") + bbox + (state.plan ? "&plan=" + state.plan : ""), "_blank");
  }

  /* the drawn parcel with this code in this plan (used by search and the parcel page) */
  function parcelLayer(code, plan) {
    var found = null;
    state.parcels.eachLayer(function (l) {
      var p = l.feature.properties;
      if (p.code === code && p.plan === plan) found = l;
    });
    return found;
  }

  /* the view, the base map and the hidden layers in the URL's hash (#13/27.95/120.90/base=…/off=…):
     a link restores what the sender saw; the hash follows every pan, zoom and layer switch */
  function permalink(map, overlays, bases) {
    function read() {
      var parts = decodeURIComponent(location.hash.replace(/^#/, "")).split("/");
      var out = { off: [] };
      if (parts.length >= 3 && !isNaN(parseFloat(parts[0]))) {
        out.zoom = parseInt(parts[0], 10); out.lat = parseFloat(parts[1]); out.lng = parseFloat(parts[2]);
      }
      parts.slice(3).forEach(function (p) {
        if (p.indexOf("base=") === 0) out.base = p.slice(5);
        if (p.indexOf("off=") === 0) out.off = p.slice(4).split("|").filter(Boolean);
      });
      return out;
    }
    function write() {
      var c = map.getCenter();
      var off = Object.keys(overlays).filter(function (n) { return !map.hasLayer(overlays[n]); });
      var base = Object.keys(bases).filter(function (n) { return map.hasLayer(bases[n]); })[0];
      var h = "#" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) +
        (base ? "/base=" + encodeURIComponent(base) : "") +
        (off.length ? "/off=" + off.map(encodeURIComponent).join("|") : "");
      if (location.hash !== h) history.replaceState(null, "", h);
    }
    var saved = read();
    if (saved.zoom !== undefined) map.setView([saved.lat, saved.lng], saved.zoom, { animate: false });
    if (saved.base && bases[saved.base]) {
      Object.keys(bases).forEach(function (n) { if (map.hasLayer(bases[n])) map.removeLayer(bases[n]); });
      map.addLayer(bases[saved.base]);
    }
    saved.off.forEach(function (n) { if (overlays[n] && map.hasLayer(overlays[n])) map.removeLayer(overlays[n]); });
    map.on("moveend zoomend layeradd layerremove", write);
  }

  function attach(map, layers) {
    state.map = map;
    state.parcels = layers.parcels;
    state.sites = layers.sites;
    state.rings = layers.rings;
    var root = url("");
    var path = location.pathname.indexOf(root) === 0 ? "/" + location.pathname.slice(root.length) : location.pathname;
    var m = path.match(/^\/(?:plan|parcel)\/(\d{3})/);
    state.plan = m ? m[1] : null;
    permalink(map, layers.overlays || {}, layers.bases || {});
    // "what lies within 15/30/60 minutes of here": right-click (or long-press) anywhere on the map
    map.on("contextmenu", function (e) {
      rings({ lon: e.latlng.lng.toFixed(6), lat: e.latlng.lat.toFixed(6) });
    });
    // popup contents arrive after the popup opens, so listen once, on the document
    document.addEventListener("click", function (e) {
      var link = e.target.closest ? e.target.closest("a[data-entity]") : null;
      if (link) { e.preventDefault(); openEntity(link.getAttribute("data-entity")); return; }
      var btn = e.target.closest ? e.target.closest(".pm-ring-btn") : null;
      if (!btn) return;
      var kind = btn.getAttribute("data-kind");
      rings(kind === "parcel" ? { parcel: btn.getAttribute("data-id"), plan: btn.getAttribute("data-plan") }
        : { structure: btn.getAttribute("data-id") });
    });
    var el = document.getElementById("pm-parcel");
    if (el) {
      var pl = parcelLayer(el.getAttribute("data-code"), el.getAttribute("data-plan"));
      if (pl) open("parcel", el.getAttribute("data-code"), el.getAttribute("data-plan"), pl.getBounds().getCenter());
    }
  }

  return { attach: attach, open: open, openEntity: openEntity, rings: rings, search: search, filterYear: filterYear, print: print, esc: esc,
           parcelLayer: parcelLayer, map: function () { return state.map; } };
})();
