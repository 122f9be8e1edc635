/* Maps of the portal (Leaflet and its marker-cluster plugin, both served by the portal from their XStatic packages).
   Each element with data-map-points shows the points of the JSON script it names, grouped in clusters when the
   plugin is loaded; data-map-centre names a JSON script {lat, lon, radius_km, label} drawn as the search's centre and
   radius. The list or the addresses next to a map stay the primary, accessible view. Without points, a map shows
   the box of its data-home-bounds ([[south, west], [north, east]]), else France. */
(function () {
  "use strict";

  function line(box, text, className) {
    if (!text) {
      return;
    }
    var p = document.createElement("p");
    p.className = className || "";
    p.textContent = text;
    box.appendChild(p);
  }

  function popup(point) {
    var box = document.createElement("div");
    box.className = "map-popup";
    if (point.url) {
      var title = document.createElement("p");
      title.className = "map-popup__title";
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      title.appendChild(link);
      box.appendChild(title);
    } else {
      line(box, point.label || point.title, "map-popup__title");
    }
    line(box, point.organism);
    line(box, point.next);
    line(box, point.places);
    return box;
  }

  function read(id) {
    var source = id && document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function draw(element) {
    var points = read(element.dataset.mapPoints);
    if (!points || typeof L === "undefined") {
      return;
    }
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
    map.attributionControl.setPrefix(false);
    var layer = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.layerGroup();
    var bounds = [];
    points.forEach(function (point) {
      var name = point.title || point.label || "Lieu de formation";
      layer.addLayer(L.marker([point.lat, point.lon], { title: name, alt: name, keyboard: true }).bindPopup(popup(point)));
      bounds.push([point.lat, point.lon]);
    });
    var centre = read(element.dataset.mapCentre);
    if (centre) {
      /* The view first (layers are drawn once the map has one), then the circle of the radius. */
      map.fitBounds(L.latLng(centre.lat, centre.lon).toBounds(centre.radius_km * 2000), { padding: [12, 12] });
      L.circle([centre.lat, centre.lon], {
        radius: centre.radius_km * 1000, color: "#004f71", weight: 2, fillOpacity: 0.06, interactive: false
      }).addTo(map);
      L.circleMarker([centre.lat, centre.lon], { radius: 6, color: "#b33f00", fillOpacity: 1 })
        .bindTooltip("Centre de la recherche : " + centre.label).addTo(map);
    } else if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    } else if (element.dataset.homeBounds) {
      map.fitBounds(JSON.parse(element.dataset.homeBounds)); /* the home region (PORTAL_REGION_CODE) */
    } else {
      map.setView([46.6, 2.4], 5);
    }
    layer.addTo(map);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map-points]").forEach(draw);
  });
})();
