// The Trellis dashboard: polls the control plane's topology and draws it. Every text that
// comes from data is set as text (textContent, attribute values), never parsed as markup.
(function () {
  'use strict';

  var TOPOLOGY = '/mesh/v1/topology';
  var POLICY = '/mesh/v1/topology/policy/';
  var POLL_MILLIS = 2000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var NODE_WIDTH = 170;
  var NODE_HEIGHT = 48;
  var COLUMN_GAP = 170;
  var ROW_GAP = 60;

  var selected = null;
  var shownPolicy = null;
  var lastUpdate = null;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) {
      append(node, arguments[i]);
    }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) {
      append(node, arguments[i]);
    }
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) {
      return;
    }
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value !== null && value !== undefined) {
        node.setAttribute(name, String(value));
      }
    });
  }

  function append(node, child) {
    if (child === null || child === undefined) {
      return;
    }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function edgeId(edge) {
    return edge.source + '->' + edge.destination;
  }

  function formatRps(rps) {
    if (rps >= 100) {
      return rps.toFixed(0);
    }
    if (rps >= 10) {
      return rps.toFixed(1);
    }
    return rps.toFixed(2);
  }

  function formatSuccess(rate) {
    if (rate === null || rate === undefined) {
      return '–';
    }
    var percent = rate * 100;
    return (percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)) + '%';
  }

  function formatMillis(ms) {
    if (ms === null || ms === undefined) {
      return '–';
    }
    if (ms >= 1000) {
      return (ms / 1000).toFixed(2) + ' s';
    }
    return (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
  }

  function health(edge) {
    if (!edge.requests) {
      return 'idle';
    }
    if (edge.successRate >= 0.999) {
      return 'ok';
    }
    return edge.successRate >= 0.95 ? 'warn' : 'bad';
  }

  function clock(date) {
    function two(n) {
      return (n < 10 ? '0' : '') + n;
    }
    return two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds());
  }

  function ago(now, then) {
    if (!then) {
      return '–';
    }
    var seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(then)) / 1000));
    if (seconds < 120) {
      return seconds + ' s ago';
    }
    return Math.round(seconds / 60) + ' min ago';
  }

  function shortVersion(version) {
    return version ? String(version).substring(0, 12) : '–';
  }

  function edgeAttrs(edge) {
    return {
      'data-edge': edgeId(edge),
      'data-source': edge.source,
      'data-destination': edge.destination,
      'data-rps': edge.requestsPerSecond,
      'data-success': edge.successRate === null ? '' : edge.successRate,
      'data-p99': edge.p99Millis === null ? '' : edge.p99Millis,
      'data-requests': edge.requests,
      'data-failures': edge.failures
    };
  }

  // Columns by longest path from the callers, so traffic flows left to right.
  function layout(services, edges) {
    var names = services.map(function (s) { return s.name; });
    var column = {};
    names.forEach(function (name) { column[name] = 0; });
    for (var round = 0; round < names.length; round++) {
      var moved = false;
      edges.forEach(function (edge) {
        if (edge.source !== edge.destination && column[edge.source] !== undefined
            && column[edge.destination] !== undefined && column[edge.destination] < column[edge.source] + 1
            && column[edge.source] + 1 < names.length) {
          column[edge.destination] = column[edge.source] + 1;
          moved = true;
        }
      });
      if (!moved) {
        break;
      }
    }
    var columns = [];
    services.forEach(function (service) {
      var c = column[service.name];
      (columns[c] = columns[c] || []).push(service);
    });
    columns = columns.filter(function (c) { return c && c.length; });
    var tallest = Math.max.apply(null, columns.map(function (c) { return c.length; }).concat([1]));
    var height = tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
    var positions = {};
    columns.forEach(function (members, c) {
      var top = (height - (members.length * NODE_HEIGHT + (members.length - 1) * ROW_GAP)) / 2;
      members.forEach(function (service, row) {
        positions[service.name] = {
          x: c * (NODE_WIDTH + COLUMN_GAP),
          y: top + row * (NODE_HEIGHT + ROW_GAP)
        };
      });
    });
    return {
      positions: positions,
      width: columns.length * NODE_WIDTH + (columns.length - 1) * COLUMN_GAP,
      height: height
    };
  }

  function drawGraph(topology) {
    var graph = document.getElementById('graph');
    clear(graph);
    var services = topology.services;
    document.getElementById('graph-empty').hidden = services.length > 0;
    if (!services.length) {
      return;
    }
    var placed = layout(services, topology.edges);
    var pad = 70;
    graph.setAttribute('viewBox', [-pad, -pad, placed.width + 2 * pad, placed.height + 2 * pad].join(' '));
    graph.setAttribute('preserveAspectRatio', 'xMidYMid meet');

    var defs = svg('defs');
    ['ok', 'warn', 'bad', 'idle'].forEach(function (kind) {
      defs.appendChild(svg('marker', {
        id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: 9, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'
      }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', 'class': 'marker-' + kind })));
    });
    graph.appendChild(defs);

    var edgeLayer = svg('g', { 'class': 'edges' });
    var labelLayer = svg('g', { 'class': 'edge-labels' });
    var nodeLayer = svg('g', { 'class': 'nodes' });
    graph.appendChild(edgeLayer);
    graph.appendChild(nodeLayer);
    graph.appendChild(labelLayer);

    var ports = spreadPorts(topology.edges, placed.positions);
    topology.edges.forEach(function (edge, index) {
      var from = placed.positions[edge.source];
      var to = placed.positions[edge.destination];
      if (!from || !to) {
        return;
      }
      var kind = health(edge);
      var points = route(from, to, ports[index]);
      var group = svg('g', Object.assign({ 'class': 'edge ' + kind }, edgeAttrs(edge)));
      group.appendChild(svg('path', { d: points.d, 'marker-end': 'url(#arrow-' + kind + ')' }));
      edgeLayer.appendChild(group);

      var label = svg('g', Object.assign({ 'class': 'edge ' + kind + ' edge-label' }, { 'data-edge-label': edgeId(edge) }));
      var text = svg('text', { 'class': 'label', x: points.mx, y: points.my - 3, 'text-anchor': 'middle' },
        svg('tspan', { 'class': 'rps' }, formatRps(edge.requestsPerSecond) + ' rps'));
      var second = svg('text', { 'class': 'label', x: points.mx, y: points.my + 11, 'text-anchor': 'middle' },
        svg('tspan', { 'class': 'success' }, formatSuccess(edge.successRate)),
        svg('tspan', null, ' · p99 ' + formatMillis(edge.p99Millis)));
      var background = svg('rect', { 'class': 'label-bg', rx: 4 });
      label.appendChild(background);
      label.appendChild(text);
      label.appendChild(second);
      labelLayer.appendChild(label);
      var width = Math.max(text.getComputedTextLength(), second.getComputedTextLength()) + 12;
      setAttrs(background, { x: points.mx - width / 2, y: points.my - 16, width: width, height: 31 });
    });

    services.forEach(function (service) {
      var at = placed.positions[service.name];
      var classes = 'node' + (service.outside ? ' outside' : '') + (service.name === selected ? ' selected' : '');
      var group = svg('g', {
        'class': classes, 'data-service': service.name, transform: 'translate(' + at.x + ',' + at.y + ')'
      });
      group.appendChild(svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }));
      group.appendChild(svg('text', { 'class': 'name', x: NODE_WIDTH / 2, y: 20, 'text-anchor': 'middle' },
        service.outside ? 'outside' : service.name));
      var detail = service.outside ? 'callers without a sidecar'
        : plural(service.instances, 'instance') + ' · v ' + shortVersion(service.policy && service.policy.version).substring(0, 8);
      group.appendChild(svg('text', { 'class': 'detail', x: NODE_WIDTH / 2, y: 37, 'text-anchor': 'middle' }, detail));
      if (!service.outside) {
        group.addEventListener('click', function () { select(service.name); });
      }
      nodeLayer.appendChild(group);
    });
  }

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  // Where each forward edge leaves its source and enters its destination: the edges of one
  // side of a node spread over its height, in the order of the nodes at their other ends, so
  // that arrows into one node do not meet in one point.
  function spreadPorts(edges, positions) {
    var outgoing = {};
    var incoming = {};
    var ports = edges.map(function () { return { out: NODE_HEIGHT / 2, 'in': NODE_HEIGHT / 2 }; });
    edges.forEach(function (edge, index) {
      var from = positions[edge.source];
      var to = positions[edge.destination];
      if (!from || !to || to.x <= from.x) {
        return;
      }
      (outgoing[edge.source] = outgoing[edge.source] || []).push({ index: index, other: to.y });
      (incoming[edge.destination] = incoming[edge.destination] || []).push({ index: index, other: from.y });
    });
    function spread(groups, side) {
      Object.keys(groups).forEach(function (name) {
        var group = groups[name].sort(function (a, b) { return a.other - b.other; });
        group.forEach(function (entry, i) {
          ports[entry.index][side] = NODE_HEIGHT * (i + 1) / (group.length + 1);
        });
      });
    }
    spread(outgoing, 'out');
    spread(incoming, 'in');
    return ports;
  }

  // A curve from the right of the source to the left of the destination; backward or
  // same-column edges loop below the nodes.
  function route(from, to, port) {
    var x1 = from.x + NODE_WIDTH;
    var y1 = from.y + port.out;
    var x2 = to.x;
    var y2 = to.y + port['in'];
    var c1x;
    var c1y;
    var c2x;
    var c2y;
    if (x2 > x1) {
      var bend = (x2 - x1) / 2;
      c1x = x1 + bend; c1y = y1; c2x = x2 - bend; c2y = y2;
    }
    else {
      x1 = from.x + NODE_WIDTH / 2; y1 = from.y + NODE_HEIGHT;
      x2 = to.x + NODE_WIDTH / 2; y2 = to.y + NODE_HEIGHT;
      var depth = 60 + Math.abs(x1 - x2) / 6;
      c1x = x1; c1y = y1 + depth; c2x = x2; c2y = y2 + depth;
    }
    // The curve's midpoint (t = 1/2), where the label goes.
    var mx = (x1 + 3 * c1x + 3 * c2x + x2) / 8;
    var my = (y1 + 3 * c1y + 3 * c2y + y2) / 8;
    return {
      d: 'M ' + x1 + ' ' + y1 + ' C ' + c1x + ' ' + c1y + ', ' + c2x + ' ' + c2y + ', ' + x2 + ' ' + y2,
      mx: mx,
      my: my
    };
  }

  function drawEdges(topology) {
    var body = document.querySelector('#edges tbody');
    clear(body);
    document.getElementById('edges-empty').hidden = topology.edges.length > 0;
    topology.edges.forEach(function (edge) {
      var kind = health(edge);
      body.appendChild(el('tr', Object.assign({ 'class': 'edge-row ' + kind }, edgeAttrs(edge)),
        el('td', { 'class': 'source' }, edge.source === '(outside)' ? 'outside' : edge.source),
        el('td', { 'class': 'destination' }, el('span', { 'class': 'arrow' }, '→ '), edge.destination),
        el('td', { 'class': 'num rps' }, formatRps(edge.requestsPerSecond)),
        el('td', { 'class': 'num success ' + kind }, formatSuccess(edge.successRate)),
        el('td', { 'class': 'num p99' }, formatMillis(edge.p99Millis)),
        el('td', { 'class': 'num requests' }, edge.requests + (edge.failures ? ' (' + edge.failures + ' failed)' : '')),
        el('td', { 'class': 'reported-by muted' }, edge.reportedBy === 'outbound' ? 'caller' : 'destination')));
    });
  }

  function drawSidecars(topology) {
    var body = document.querySelector('#sidecars tbody');
    clear(body);
    document.getElementById('sidecars-empty').hidden = topology.sidecars.length > 0;
    topology.sidecars.forEach(function (sidecar) {
      var policies = el('td', { 'class': 'policies' });
      sidecar.policies.forEach(function (policy) {
        var title = policy.service + ': runs ' + (policy.applied || 'nothing') + ', served ' + policy.served
          + (policy.rejected ? ', rejected ' + policy.rejected + (policy.reason ? ' (' + policy.reason + ')' : '') : '');
        policies.appendChild(el('span', {
          'class': 'policy-sync ' + policy.state, title: title,
          'data-policy-service': policy.service, 'data-applied': policy.applied || '',
          'data-served': policy.served, 'data-state': policy.state
        }, policy.service + ' ', el('span', { 'class': 'version' }, shortVersion(policy.applied))));
      });
      var state = sidecar.state || 'UNKNOWN';
      body.appendChild(el('tr', {
        'data-sidecar': sidecar.sidecar, 'data-service': sidecar.service, 'data-instance': sidecar.instance,
        'data-state': state
      },
        el('td', { 'class': 'service' }, sidecar.service),
        el('td', { 'class': 'instance mono', title: 'sidecar ' + sidecar.sidecar }, sidecar.instance),
        el('td', { 'class': 'state' }, el('span', { 'class': 'badge ' + state }, state)),
        policies,
        el('td', { 'class': 'num last-seen' }, ago(topology.generatedAt, sidecar.lastSeen)),
        el('td', { 'class': 'num last-report' }, ago(topology.generatedAt, sidecar.lastTrafficReport))));
    });
  }

  function drawServiceList(topology) {
    var list = document.getElementById('service-list');
    clear(list);
    topology.services.forEach(function (service) {
      if (service.outside) {
        return;
      }
      var button = el('button', {
        type: 'button', 'class': 'service-item' + (service.name === selected ? ' selected' : ''),
        'data-service': service.name
      }, service.name);
      button.addEventListener('click', function () { select(service.name); });
      list.appendChild(button);
    });
  }

  function select(service) {
    selected = service;
    shownPolicy = null;
    document.querySelectorAll('.node, .service-item').forEach(function (node) {
      node.classList.toggle('selected', node.getAttribute('data-service') === service);
    });
    loadPolicy(service);
  }

  function loadPolicy(service) {
    fetch(POLICY + encodeURIComponent(service), { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (policy) {
        if (policy.service === selected) {
          shownPolicy = policy;
          drawPolicy(policy);
        }
      })
      .catch(function (error) {
        var panel = document.getElementById('policy');
        clear(panel);
        panel.appendChild(el('p', { 'class': 'empty' }, 'Cannot read the policy of ' + service + ': ' + error.message));
      });
  }

  function drawPolicy(policy) {
    var panel = document.getElementById('policy');
    clear(panel);
    setAttrs(panel, { 'data-service': policy.service, 'data-version': policy.version });
    panel.appendChild(el('div', { 'class': 'policy-head' },
      el('span', { 'class': 'title' }, policy.service),
      el('span', { 'class': 'mono muted', title: 'version served' }, 'v ' + policy.version),
      el('span', { 'class': 'badge' + (policy.valid ? ' SYNCED' : ' REJECTED') },
        policy.valid ? (policy.ownFile ? 'own file' : 'mesh defaults') : 'latest edit rejected'),
      el('span', { 'class': 'muted' }, policy.files.join(' ← '))));
    if (policy.errors && policy.errors.length) {
      var errors = el('ul', { 'class': 'errors' });
      policy.errors.forEach(function (error) {
        errors.appendChild(el('li', null, (error.file ? error.file + ': ' : '') + error.field + ': ' + error.reason));
      });
      panel.appendChild(errors);
    }
    var keys = Object.keys(policy.properties);
    if (!keys.length) {
      panel.appendChild(el('p', { 'class': 'empty' }, 'No properties: every default applies.'));
      return;
    }
    var body = el('tbody');
    keys.forEach(function (key) {
      body.appendChild(el('tr', { 'data-key': key },
        el('td', { 'class': 'key' }, key),
        el('td', { 'class': 'value' }, String(policy.properties[key]))));
    });
    panel.appendChild(el('table', { 'class': 'properties' }, body));
  }

  function draw(topology) {
    var names = topology.services.filter(function (s) { return !s.outside; });
    if (selected === null || !names.some(function (s) { return s.name === selected; })) {
      var first = names.filter(function (s) { return s.policy && s.policy.ownFile; })[0] || names[0];
      if (first) {
        select(first.name);
      }
    }
    drawGraph(topology);
    drawEdges(topology);
    drawSidecars(topology);
    drawServiceList(topology);
    var current = topology.services.filter(function (s) { return s.name === selected; })[0];
    if (current && shownPolicy && current.policy && current.policy.version !== shownPolicy.version) {
      loadPolicy(selected);
    }
    document.getElementById('window').textContent = 'window ' + topology.windowSeconds + ' s';
    document.getElementById('summary').textContent = plural(names.length, 'service') + ' · '
      + plural(topology.edges.length, 'edge') + ' · ' + plural(topology.sidecars.length, 'sidecar');
  }

  function status(state, text) {
    var node = document.getElementById('status');
    node.className = 'status ' + state;
    node.setAttribute('data-state', state);
    document.getElementById('updated').textContent = text;
  }

  function poll() {
    fetch(TOPOLOGY, { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (topology) {
        draw(topology);
        lastUpdate = new Date();
        document.body.setAttribute('data-updated', String(lastUpdate.getTime()));
        status('live', 'live · updated ' + clock(lastUpdate));
      })
      .catch(function (error) {
        status('down', 'cannot reach the control plane (' + error.message + ')'
          + (lastUpdate ? ' · last update ' + clock(lastUpdate) : ''));
      })
      .then(function () {
        setTimeout(poll, POLL_MILLIS);
      });
  }

  poll();
}());
