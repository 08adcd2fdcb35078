// fortnox-bridge admin UI: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // <select data-autosubmit> submits its form when changed (the language switch).
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches && target.matches("[data-autosubmit]")) target.form.submit();
  });

  // <button data-copy="text"> copies the text and says so.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.dataset.copied = "true";
      button.textContent = button.dataset.copiedText || "Copied";
    } catch (error) {
      window.prompt(button.dataset.copyPrompt || "Copy:", button.dataset.copy);
    }
  });

  // <form data-confirm="question"> asks before it is sent.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <div data-refresh="url" data-interval="1000"> is replaced by the HTML at url, again and
  // again, until the answer carries data-done (live progress of runs and re-syncs).
  function refresh(element) {
    const url = element.dataset.refresh;
    const every = Number(element.dataset.interval || 1000);
    const tick = async () => {
      const answer = await fetch(url, { headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf() } });
      if (!answer.ok) return;
      const holder = document.createElement("div");
      holder.innerHTML = await answer.text();
      const next = holder.firstElementChild;
      if (!next) return;
      element.replaceWith(next);
      // A finished job whose result is the whole page (a first-sync plan) loads it again.
      if ("done" in next.dataset && next.dataset.reload) {
        const target = new URL(next.dataset.reload, window.location.href);
        const here = window.location;
        if (target.pathname + target.search === here.pathname + here.search) here.reload();
        else here.assign(target.href);
      }
      if (next.dataset.refresh && !("done" in next.dataset)) refresh(next);
    };
    window.setTimeout(tick, every);
  }
  document.querySelectorAll("[data-refresh]").forEach((element) => {
    if (!("done" in element.dataset)) refresh(element);
  });
})();
