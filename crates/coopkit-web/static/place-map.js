// A place field's map (an element with data-pick-for="FIELD"): a click on
// it writes the point into the field as degrees, which the form reads as
// any place. Without this script (or Leaflet) the map stays hidden and the
// field still takes a town's name, a ZIP code or degrees.
(function () {
  "use strict";
  if (!window.L) {
    return;
  }
  var places = 5; // about a metre
  document.querySelectorAll("[data-pick-for]").forEach(function (element) {
    var field = document.getElementById(element.dataset.pickFor);
    if (!field) {
      return;
    }
    element.hidden = false;
    var typed = field.value.split(",").map(Number);
    var at = typed.length === 2 && typed.every(isFinite) ? typed : null;
    var map = L.map(element).setView(at || [20, 0], at ? 14 : 2);
    L.tileLayer(element.dataset.tiles, {
      maxZoom: 18,
      attribution: element.dataset.attribution
    }).addTo(map);
    // A circle, not Leaflet's pin, whose pictures coopkit does not serve.
    var pin = function (point) {
      return L.circleMarker(point, { radius: 8 }).addTo(map);
    };
    var marker = at ? pin(at) : null;
    map.on("click", function (event) {
      var point = event.latlng.wrap();
      var text = point.lat.toFixed(places) + ", " + point.lng.toFixed(places);
      field.value = text;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = pin(point);
      }
    });
  });
})();
