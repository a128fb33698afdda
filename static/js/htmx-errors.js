// Answers htmx does not swap (404, 5xx, a dropped connection) would otherwise fail silently:
// show one banner at the top of the page that says what happened.
document.addEventListener("DOMContentLoaded", function () {
  function show(text) {
    let banner = document.getElementById("htmx-error");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "htmx-error";
      banner.className = "error-banner";
      banner.setAttribute("role", "alert");
      const main = document.querySelector("main") || document.body;
      main.prepend(banner);
    }
    banner.textContent = text;
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    const what = status === 404 ? "was not found" : "could not be completed";
    show("That request " + what + " (HTTP " + status + "). Reload the page to see what was saved, then try again.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    show("The server did not answer. Check your connection and try again.");
  });
});
