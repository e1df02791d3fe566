// The directory's map: markers for what the search finds, clustered.
// Settings come from the map element's data attributes, so the page needs
// no inline script.
(function () {
  "use strict";
  var element = document.getElementById("directory-map");
  if (!element || !window.L) {
    return;
  }
  var map = L.map(element, { worldCopyJump: true }).setView([54.5, -2.5], 5);
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: element.dataset.attribution
  }).addTo(map);
  var clusters = L.markerClusterGroup({ chunkedLoading: true });
  map.addLayer(clusters);
  var status = document.getElementById("map-status");
  fetch(element.dataset.features, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status + " " + response.statusText);
      }
      return response.json();
    })
    .then(function (collection) {
      var markers = collection.features.map(function (feature) {
        var point = feature.geometry.coordinates;
        var marker = L.circleMarker([point[1], point[0]], { radius: 6 });
        var link = document.createElement("a");
        link.href = feature.id.replace(/^[a-z]+:\/\/[^/]+/, "");
        link.textContent = feature.properties.name;
        marker.bindPopup(link);
        return marker;
      });
      clusters.addLayers(markers);
      // The bounds of the markers themselves: with chunked loading the
      // cluster group holds only the first chunk yet, and a large search
      // left it empty ("Bounds are not valid").
      if (markers.length > 0) {
        var bounds = L.latLngBounds(markers.map(function (m) { return m.getLatLng(); }));
        map.fitBounds(bounds, { maxZoom: 14 });
      }
      element.dataset.markers = String(markers.length);
      status.textContent = status.dataset.shown.replace("{count}", markers.length);
    })
    .catch(function (error) {
      element.dataset.markers = "error";
      status.textContent = status.dataset.failed + " (" + error.message + ")";
    });
})();
