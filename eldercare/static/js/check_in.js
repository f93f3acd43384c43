/*
 * eldercare — "Use my position" on the caregiver's check-in form (templates/booking/
 * detail.html): fills the latitude and longitude boxes from the browser's geolocation.
 * The button stays hidden where there is no geolocation; the boxes can always be typed.
 * A file of its own because the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";

  var button = document.getElementById("use-position");
  if (!button || !navigator.geolocation) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (where) {
      document.getElementById("lat").value = where.coords.latitude.toFixed(6);
      document.getElementById("lon").value = where.coords.longitude.toFixed(6);
    });
  });
})();
