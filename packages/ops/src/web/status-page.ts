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
  .cause { color: #555; }
  li[data-cause="killed"] .cause, li[data-cause="lock lost"] .cause { color: #b00; font-weight: 600; }
  time { border-bottom: 1px dotted #999; }
</style>
</head>
<body>
<h1>Polecat cluster</h1>
<div id="summary" data-testid="summary">connecting...</div>
<div id="error" data-testid="error"></div>
<h2>Nodes</h2>
<table><thead><tr><th>node</th><th>live</th><th>host / pid</th><th>version</th><th>sets</th><th>intent</th></tr></thead><tbody id="nodes"></tbody></table>
<h2>Sets</h2>
<table><thead><tr><th>shards</th><th>holder</th><th>since</th><th>agents</th><th>intent</th></tr></thead><tbody id="sets"></tbody></table>
<h2>Timeline <small>(newest first; hover a time for the exact moment)</small></h2>
<ol id="timeline" data-testid="timeline" reversed></ol>
<script>
(function () {
  var DASH = '\u2014';
  function shardLabel(identity) { return identity.slice(-4) === ':All' ? identity.slice(0, -4) : identity; }
  function shardList(shards) { return shards.map(shardLabel).join(', '); }
  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
    return Math.floor(s / 86400) + ' d ago';
  }
  function timeElement(iso) {
    var time = document.createElement('time');
    time.dateTime = iso;
    time.title = new Date(iso).toLocaleString() + ' (' + iso + ')';
    time.textContent = ago(iso);
    return time;
  }
  function cell(row, text, className, title) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    if (title) td.title = title;
    row.appendChild(td);
    return td;
  }
  function blank(row, why, className) { return cell(row, DASH, className, why); }
  function intent(record) {
    if (!record) return '';
    return (record.kind === 'pause' ? 'paused' : 'draining') + ' by ' + record.requestedBy + ' ' + ago(record.requestedAt) + (record.reason ? ': ' + record.reason : '');
  }
  function holderName(holder) {
    if (!holder) return '';
    return holder.nodeId || ('session ' + holder.session);
  }
  var CAUSES = {
    killed: 'killed: its holder died',
    'lock lost': 'lock lost: its holder lost the lock and lives on',
    stopped: 'stopped: its holder stopped',
    drained: 'drained: its holder was drained',
    paused: 'paused',
    balanced: 'balanced: its holder handed it over for fair share',
    failing: 'failing: its agents kept failing on its holder',
    released: 'released by its holder (no reason heard)',
    taken: 'taken: it was free',
    resumed: 'resumed after a pause'
  };
  function render(state) {
    document.getElementById('error').textContent = state.error ? 'last read failed: ' + state.error : '';
    var snapshot = state.snapshot;
    if (!snapshot) return;
    var live = snapshot.nodes.filter(function (n) { return n.live; }).length;
    var summary = document.getElementById('summary');
    summary.replaceChildren();
    summary.appendChild(document.createTextNode(live + ' live node(s), ' + snapshot.sets.length + ' set(s), ' +
      snapshot.unheld.length + ' held by nobody, ' + snapshot.paused.length + ' pause(s), ' + snapshot.draining.length + ' drain(s); read '));
    summary.appendChild(timeElement(snapshot.at));
    var nodes = document.getElementById('nodes');
    nodes.replaceChildren();
    snapshot.nodes.forEach(function (node) {
      var row = document.createElement('tr');
      row.dataset.node = node.nodeId;
      if (!node.live) row.className = 'dead';
      if (node.draining) row.className = 'draining';
      cell(row, node.nodeId);
      cell(row, node.live ? 'yes' : 'no', 'live', node.live ? 'it has a lock session open' : 'no lock session open: stopped or dead');
      if (node.host) cell(row, node.host + ' / ' + node.pid); else blank(row, 'not registered (no ops registry entry)');
      if (node.version) cell(row, node.version); else blank(row, 'not registered (no ops registry entry)');
      var holds = node.holds.map(function (key) { var set = snapshot.sets.find(function (s) { return s.key === key; }); return set ? shardList(set.shards) : key; });
      if (holds.length > 0) cell(row, holds.join(', '), 'holds'); else blank(row, node.live ? 'holds no set (a standby)' : 'holds no set', 'holds');
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
      cell(row, shardList(set.shards), 'shards', 'set ' + set.key + ' (lock id ' + set.lockId + ')');
      cell(row, set.holder ? holderName(set.holder) : '(nobody)', set.holder ? 'holder' : 'holder nobody', set.holder ? 'server session ' + set.holder.session : (set.paused ? 'paused' : 'free: the next node to poll takes it'));
      var since = document.createElement('td');
      since.className = 'since';
      if (set.since) since.appendChild(timeElement(set.since));
      else { since.textContent = DASH; since.title = set.holder ? 'not reported yet: the holder writes its registry entry every registryIntervalMs (10 s)' : 'held by nobody'; }
      row.appendChild(since);
      if (set.agents.length > 0) cell(row, set.agents.map(function (a) { return shardLabel(a.shard) + ' ' + a.status; }).join(', '));
      else blank(row, set.holder ? 'not reported yet (registry entry)' : 'no holder, no agent');
      cell(row, intent(set.paused), 'intent');
      sets.appendChild(row);
    });
    var timeline = document.getElementById('timeline');
    timeline.replaceChildren();
    if (state.timeline.length === 0) {
      var none = document.createElement('li');
      none.className = 'none';
      none.textContent = 'no set changed hands since this page was opened';
      timeline.appendChild(none);
    }
    state.timeline.slice().reverse().forEach(function (entry) {
      var item = document.createElement('li');
      item.dataset.set = entry.set;
      item.dataset.cause = entry.cause;
      item.appendChild(timeElement(entry.at));
      var text = document.createElement('span');
      text.textContent = ' ' + shardList(entry.shards) + ': ' + (entry.from || 'free') + ' -> ' + (entry.to || 'nobody yet') + ' ';
      item.appendChild(text);
      var cause = document.createElement('span');
      cause.className = 'cause';
      cause.textContent = '(' + entry.cause + ')';
      cause.title = CAUSES[entry.cause] || entry.cause;
      item.appendChild(cause);
      timeline.appendChild(item);
    });
  }
  setInterval(function () {
    document.querySelectorAll('time').forEach(function (time) { time.textContent = ago(time.dateTime); });
  }, 1000);
  var source = new EventSource('events');
  source.onmessage = function (event) { render(JSON.parse(event.data)); };
  source.onerror = function () { document.getElementById('error').textContent = 'disconnected; retrying...'; };
})();
</script>
</body>
</html>
`;
