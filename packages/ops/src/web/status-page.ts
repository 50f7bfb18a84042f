/**
 * The one page of `polecat status --web`: renders each `StatusState` it receives over
 * Server-Sent Events (`/events`). Plain DOM, text only (`textContent`: names from the database are
 * never parsed as HTML).
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Polecat cluster</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
  table { border-collapse: collapse; min-width: 40rem; }
  th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; }
  .dead { color: #999; }
  .paused, .draining { background: #fff4d6; }
  .nobody { color: #b00; }
  #error { color: #b00; }
  ol { padding-left: 1.5rem; }
</style>
</head>
<body>
<h1>Polecat cluster</h1>
<div id="summary" data-testid="summary">connecting...</div>
<div id="error" data-testid="error"></div>
<h2>Nodes</h2>
<table><thead><tr><th>node</th><th>live</th><th>host / pid</th><th>version</th><th>sets</th><th>intent</th></tr></thead><tbody id="nodes"></tbody></table>
<h2>Sets</h2>
<table><thead><tr><th>set</th><th>shards</th><th>holder</th><th>since</th><th>agents</th><th>intent</th></tr></thead><tbody id="sets"></tbody></table>
<h2>Takeovers</h2>
<ol id="timeline" data-testid="timeline" reversed></ol>
<script>
(function () {
  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function intent(record) {
    if (!record) return '';
    return (record.kind === 'pause' ? 'paused' : 'draining') + ' by ' + record.requestedBy + ' at ' + record.requestedAt + (record.reason ? ': ' + record.reason : '');
  }
  function holderName(holder) {
    if (!holder) return '';
    return holder.nodeId || ('session ' + holder.session);
  }
  function render(state) {
    document.getElementById('error').textContent = state.error ? 'last read failed: ' + state.error : '';
    var snapshot = state.snapshot;
    if (!snapshot) return;
    var live = snapshot.nodes.filter(function (n) { return n.live; }).length;
    document.getElementById('summary').textContent = snapshot.at + ': ' + live + ' live node(s), ' + snapshot.sets.length + ' set(s), ' +
      snapshot.unheld.length + ' held by nobody, ' + snapshot.paused.length + ' pause(s), ' + snapshot.draining.length + ' drain(s)';
    var nodes = document.getElementById('nodes');
    nodes.replaceChildren();
    snapshot.nodes.forEach(function (node) {
      var row = document.createElement('tr');
      row.dataset.node = node.nodeId;
      if (!node.live) row.className = 'dead';
      if (node.draining) row.className = 'draining';
      cell(row, node.nodeId);
      cell(row, node.live ? 'yes' : 'no', 'live');
      cell(row, (node.host || '-') + ' / ' + (node.pid || '-'));
      cell(row, node.version || '-');
      cell(row, node.holds.join(', '), 'holds');
      cell(row, intent(node.draining), 'intent');
      nodes.appendChild(row);
    });
    var sets = document.getElementById('sets');
    sets.replaceChildren();
    snapshot.sets.forEach(function (set) {
      var row = document.createElement('tr');
      row.dataset.set = set.key;
      row.dataset.shards = set.shards.join(',');
      if (set.paused) row.className = 'paused';
      cell(row, set.key);
      cell(row, set.shards.join(', '));
      cell(row, set.holder ? holderName(set.holder) : '(nobody)', set.holder ? 'holder' : 'holder nobody');
      cell(row, set.since || '');
      cell(row, set.agents.map(function (a) { return a.shard + ' ' + a.status; }).join(', '));
      cell(row, intent(set.paused), 'intent');
      sets.appendChild(row);
    });
    var timeline = document.getElementById('timeline');
    timeline.replaceChildren();
    state.timeline.slice().reverse().forEach(function (entry) {
      var item = document.createElement('li');
      item.dataset.set = entry.set;
      item.textContent = entry.at + ' ' + entry.shards.join(', ') + ': ' + (entry.from || 'nobody') + ' -> ' + (entry.to || 'nobody');
      timeline.appendChild(item);
    });
  }
  var source = new EventSource('events');
  source.onmessage = function (event) { render(JSON.parse(event.data)); };
  source.onerror = function () { document.getElementById('error').textContent = 'disconnected; retrying...'; };
})();
</script>
</body>
</html>
`;
