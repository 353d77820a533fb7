// Pages that update themselves (docs/live-updates.md). Every element with data-live="<region>" names a region,
// data-live-src the version it follows and data-live-version the version it shows. Every 3 s, while the tab is
// visible, each version is asked for with If-None-Match; the server answers 304 while nothing changed. When one
// changed, the page's own address is fetched once, and each region of a changed version gets the fresh
// region's content, unless it holds the focus or a form with typed input (it is tried again next round).
// What changed is said in the one polite status (#live-status); focus never moves. No animation.
(function () {
  "use strict";
  var PERIOD = 3000;
  var stopped = false;
  var busy = false;

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live][data-live-src]"));
  }

  // "d12-a3-n4.1" → {d: "12", a: "3", n: "4.1"}
  function parts(version) {
    var found = {};
    (version || "").split("-").forEach(function (part) {
      if (part) { found[part.charAt(0)] = part.slice(1); }
    });
    return found;
  }

  function changedKeys(before, after) {
    var a = parts(before), b = parts(after);
    return Object.keys(b).filter(function (key) { return a[key] !== b[key]; });
  }

  function stop() { stopped = true; }

  // The new version of src, or null when it did not change (or could not be asked).
  function check(src, version) {
    return fetch(src, {
      cache: "no-store",  // the browser's cache stays out: our own If-None-Match goes through, 304 comes back
      credentials: "same-origin",
      headers: { "If-None-Match": '"' + version + '"', "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { stop(); return null; }
      if (response.status !== 200) { return null; }
      return response.json().then(function (body) { return body.version !== version ? body.version : null; });
    }).catch(function () { return null; });
  }

  function typedInto(region) {
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) { return true; }
        }
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function busyWith(region) {
    var active = document.activeElement;
    return (active && active !== document.body && region.contains(active)) || typedInto(region);
  }

  function announce(keys) {
    var status = document.getElementById("live-status");
    if (!status) { return; }
    var words = [];
    keys.forEach(function (key) {
      var said = status.getAttribute("data-say-" + key);
      if (said && words.indexOf(said) < 0) { words.push(said); }
    });
    var text = status.getAttribute("data-say") + (words.length ? ": " + words.join(", ") : "");
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function replace(fresh, changed) {
    var keys = [];
    regions().forEach(function (region) {
      var src = region.getAttribute("data-live-src");
      if (!Object.prototype.hasOwnProperty.call(changed, src) || busyWith(region)) { return; }
      var name = region.getAttribute("data-live");
      var other = fresh.querySelector('[data-live="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
      if (!other) { return; }
      var before = region.getAttribute("data-live-version");
      var after = other.getAttribute("data-live-version") || "";
      if (after === before) { return; }
      region.innerHTML = other.innerHTML;
      region.setAttribute("data-live-version", after);
      keys = keys.concat(changedKeys(before, after));
    });
    if (keys.length) { announce(keys); }
  }

  function refresh(changed) {
    return fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) { stop(); return; }
        if (response.status !== 200) { stop(); return; }  // e.g. a form's answer: the address is no page
        return response.text().then(function (html) {
          replace(new DOMParser().parseFromString(html, "text/html"), changed);
        });
      }).catch(function () { return null; });
  }

  function round() {
    if (stopped || busy || document.hidden) { return; }
    var versions = {};
    regions().forEach(function (region) {
      var src = region.getAttribute("data-live-src"), version = region.getAttribute("data-live-version") || "";
      // Regions of one source left behind (they held the focus) differ from the rest: ask without a version.
      versions[src] = Object.prototype.hasOwnProperty.call(versions, src) && versions[src] !== version ? "" : version;
    });
    var sources = Object.keys(versions);
    if (!sources.length) { stop(); return; }
    busy = true;
    Promise.all(sources.map(function (src) { return check(src, versions[src]); })).then(function (found) {
      var changed = {};
      found.forEach(function (version, i) { if (version !== null) { changed[sources[i]] = version; } });
      return Object.keys(changed).length && !stopped ? refresh(changed) : null;
    }).then(function () { busy = false; }, function () { busy = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!regions().length || !window.fetch || !window.DOMParser) { return; }
    var timer = window.setInterval(function () {
      if (stopped) { window.clearInterval(timer); return; }
      round();
    }, PERIOD);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { round(); } });
  });
})();
