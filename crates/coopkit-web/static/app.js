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

// A place field (data-places, with a <datalist>) offers the towns whose
// names begin with what is typed. Without this the field still takes a
// name, and the page answers with the place found and its namesakes.
for (const field of document.querySelectorAll("input[data-places][list]")) {
  const list = document.getElementById(field.getAttribute("list"));
  if (!list) continue;
  let timer = null;
  let asked = "";
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const typed = field.value.trim();
      if (typed.length < 2 || typed === asked) return;
      asked = typed;
      try {
        const response = await fetch("/api/v1/places?limit=8&q=" + encodeURIComponent(typed));
        if (!response.ok || field.value.trim() !== typed) return;
        const places = await response.json();
        list.replaceChildren(...places.map((place) => {
          const option = document.createElement("option");
          option.value = place.label;
          return option;
        }));
      } catch (_) {
        // Offline for a moment: the field still takes what is typed.
      }
    }, 200);
  });
}

// A part of a form that applies to some choices only
// (data-shown-when="kind=motion bylaw budget") is hidden for the others.
// Without this every part shows, its legend saying when it applies, and
// the server reads only the parts of the choice made.
for (const part of document.querySelectorAll("[data-shown-when]")) {
  const [name, values] = part.dataset.shownWhen.split("=");
  const chooser = part.closest("form")?.elements.namedItem(name);
  if (!chooser) continue;
  const show = () => {
    part.hidden = !values.split(" ").includes(chooser.value);
  };
  chooser.addEventListener("change", show);
  show();
}
