namespace Cacheback.Web.Live;

/// <summary>
/// The live page: hits, stale hits, misses and refreshes per second on a chart (inline SVG), the
/// queue's depth and dead letters, and the recent events. Plain JavaScript on an EventSource; no
/// script or style from anywhere else.
/// </summary>
internal static class LivePage
{
    public static string Render(bool onRedis) => Html.Replace("{{MODE}}", onRedis ? "on Redis (refreshes by worker processes)" : "embedded (refreshes in this process)", StringComparison.Ordinal);

    private const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Cacheback live</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 2em; max-width: 64em }
          #chart { border: 1px solid #ccc; background: #fcfcfc }
          .legend span { margin-right: 1.5em } .sw { display: inline-block; width: 1em; height: .6em; margin-right: .3em }
          table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .15em .6em; border-bottom: 1px solid #eee }
          .Hit { color: #070 } .StaleHit { color: #b60 } .Miss { color: #b00 }
        </style></head>
        <body>
        <nav><a href="/">vanilla</a> <a href="/?name=Item_1">keyed</a> <a href="/?name=Item_1&amp;qs">query filter</a> <a href="/?name=Item_1&amp;get">query get</a>
          <a href="/?function">function</a> <a href="/?function&amp;q=3">function with q</a> <a href="/?decorator">decorated</a></nav>
        <h1>Cacheback, live</h1>
        <p>This app runs {{MODE}}. Read the views in another tab and watch: a miss, hits, then, past the lifetime,
          a stale hit that starts one refresh, and hits again once it lands.</p>
        <p id="state">connecting...</p>
        <div class="legend"><span><i class="sw" style="background:#2a2"></i>hits/s</span><span><i class="sw" style="background:#e90"></i>stale hits/s</span>
          <span><i class="sw" style="background:#d22"></i>misses/s</span><span><i class="sw" style="background:#26d"></i>refreshes/s</span></div>
        <svg id="chart" width="720" height="220" viewBox="0 0 720 220" data-ticks="0" data-total="0">
          <polyline id="line-hits" fill="none" stroke="#2a2" stroke-width="2" points=""></polyline>
          <polyline id="line-staleHits" fill="none" stroke="#e90" stroke-width="2" points=""></polyline>
          <polyline id="line-misses" fill="none" stroke="#d22" stroke-width="2" points=""></polyline>
          <polyline id="line-refreshes" fill="none" stroke="#26d" stroke-width="2" points=""></polyline>
          <text id="chart-max" x="4" y="14" font-size="12" fill="#666">0/s</text>
        </svg>
        <p>Queue depth: <b id="queue-depth">-</b> &nbsp; Dead letters: <b id="dead-letters">-</b></p>
        <h2>Recent events</h2>
        <table><thead><tr><th>time</th><th>job</th><th>key</th><th>status</th><th>latency</th></tr></thead><tbody id="events"></tbody></table>
        <script>
        "use strict";
        const series = ["hits", "staleHits", "misses", "refreshes"];
        const points = 60, history = [];
        const chart = document.getElementById("chart");
        let total = 0;
        function draw() {
          const max = Math.max(1, ...history.flatMap(t => series.map(s => t[s])));
          document.getElementById("chart-max").textContent = max + "/s";
          for (const s of series) {
            const xy = history.map((t, i) => (i * 720 / (points - 1)).toFixed(1) + "," + (210 - t[s] * 190 / max).toFixed(1));
            document.getElementById("line-" + s).setAttribute("points", xy.join(" "));
          }
        }
        function addEvents(events) {
          const body = document.getElementById("events");
          for (const e of events) {
            const row = document.createElement("tr");
            const status = e.status.split(":")[0];
            for (const text of [new Date(e.at).toLocaleTimeString(), e.job, e.key, e.status, e.latencyMs == null ? "" : e.latencyMs.toFixed(1) + " ms"]) {
              const cell = document.createElement("td");
              cell.textContent = text;
              row.appendChild(cell);
            }
            row.className = status;
            body.insertBefore(row, body.firstChild);
          }
          while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
        }
        const source = new EventSource("/cacheback/stream");
        source.addEventListener("hello", m => {
          document.getElementById("state").textContent = "live";
          addEvents(JSON.parse(m.data).recent);
        });
        source.addEventListener("tick", m => {
          const t = JSON.parse(m.data);
          history.push(t);
          if (history.length > points) history.shift();
          total += series.reduce((sum, s) => sum + t[s], 0);
          chart.dataset.ticks = String(Number(chart.dataset.ticks) + 1);
          chart.dataset.total = String(total);
          draw();
          addEvents(t.events);
          document.getElementById("queue-depth").textContent = t.queueDepth == null ? "-" : t.queueDepth;
          document.getElementById("dead-letters").textContent = t.deadLetters == null ? "- (Redis only)" : t.deadLetters;
        });
        source.onerror = () => { document.getElementById("state").textContent = "reconnecting..."; };
        </script>
        </body></html>
        """;
}
