// Small enhancements to pages that work without them.
"use strict";

// An element with data-watch="N" is something the page waits for (a
// payment arriving). Every N seconds the page is fetched again, and only
// when that element's text has changed is the page reloaded: a meta
// refresh would reload every time, moving a screen reader back to the top.
for (const watched of document.querySelectorAll("[data-watch][id]")) {
  const seconds = Math.max(2, Number(watched.dataset.watch) || 5);
  const check = async () => {
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const now = page.getElementById(watched.id);
        if (!now || now.textContent !== watched.textContent) {
          location.reload();
          return;
        }
      }
    } catch (_) {
      // Offline for a moment: try again at the next tick.
    }
    setTimeout(check, seconds * 1000);
  };
  setTimeout(check, seconds * 1000);
}
