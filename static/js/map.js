/* Maps of the portal (Leaflet, served by the portal). Each element with data-map-points shows the points of the
   JSON script it names; the list or the addresses next to it stay the primary, accessible view. Without points, a
   map shows the box of its data-home-bounds ([[south, west], [north, east]]), else France. */
(function () {
  "use strict";

  function popup(point) {
    var box = document.createElement("div");
    if (point.url) {
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      box.appendChild(link);
    } else {
      box.textContent = point.label || point.title || "";
    }
    return box;
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.mapPoints);
    if (!source || typeof L === "undefined") {
      return;
    }
    var points = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
    map.attributionControl.setPrefix(false);
    var bounds = [];
    points.forEach(function (point) {
      var name = point.title || point.label || "Lieu de formation";
      L.marker([point.lat, point.lon], { title: name, alt: name, keyboard: true }).addTo(map).bindPopup(popup(point));
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    } else if (element.dataset.homeBounds) {
      map.fitBounds(JSON.parse(element.dataset.homeBounds)); /* the home region (PORTAL_REGION_CODE) */
    } else {
      map.setView([46.6, 2.4], 5);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map-points]").forEach(draw);
  });
})();
