// Panel builders for dashboards_src/*.jsonnet. The result is normalized by obsgate (generate/grafana_model.py)
// exactly like a grafanalib dashboard: layout, ids, datasource variables and defaults are filled in there.
{
  prometheus:: { type: 'prometheus', uid: '${datasource}' },

  // `name{a="x", b=~"$var"}` from a label -> value object; values starting with `$` match as regexes.
  selector(metric, match={})::
    local parts = [
      k + (if std.startsWith(match[k], '$') then '=~' else '=') + '"' + match[k] + '"'
      for k in std.objectFields(match)
    ];
    metric + (if std.length(parts) == 0 then '' else '{' + std.join(', ', parts) + '}'),

  sumBy(by, inner)::
    if std.length(by) == 0 then 'sum(%s)' % inner else 'sum by (%s) (%s)' % [std.join(', ', by), inner],

  // A counter as a per-second rate over $__rate_interval.
  rate(metric, by=[], match={}):: self.sumBy(by, 'rate(%s[$__rate_interval])' % self.selector(metric, match)),

  // A histogram quantile over $__rate_interval; q is a string ('0.95') so it prints exactly.
  quantile(q, metric, by=[], match={})::
    assert std.isString(q) : "quantile: q must be a string such as '0.95'";
    'histogram_quantile(%s, %s)' % [q, self.sumBy(['le'] + by, 'rate(%s[$__rate_interval])' %
                                                              self.selector(metric + '_bucket', match))],

  target(expr, legend=''):: { expr: expr, legendFormat: legend, datasource: $.prometheus },

  thresholds(steps, base='green'):: {
    mode: 'absolute',
    steps: [{ color: base, value: null }] + [{ color: s[1], value: s[0] } for s in steps],
  },

  panel(type, title, description, unit, targets, w, h, steps=[], min=null, max=null):: {
    type: type,
    title: title,
    description: description,
    datasource: $.prometheus,
    targets: [t { refId: std.char(65 + i) } for i in std.range(0, std.length(targets) - 1)
              for t in [targets[i]]],
    gridPos: { w: w, h: h },
    fieldConfig: {
      defaults: { unit: unit, thresholds: $.thresholds(steps) }
                + (if min == null then {} else { min: min })
                + (if max == null then {} else { max: max }),
      overrides: [],
    },
  },

  timeseries(title, description, unit, targets, w=12, h=8, steps=[], min=null)::
    self.panel('timeseries', title, description, unit, targets, w, h, steps, min) + {
      fieldConfig+: { defaults+: { custom: {
        fillOpacity: 10,
        thresholdsStyle: { mode: if std.length(steps) == 0 then 'off' else 'dashed' },
      } } },
      options: { tooltip: { mode: 'multi', sort: 'desc' } },
    },

  stat(title, description, unit, target, w=6, h=8, steps=[])::
    self.panel('stat', title, description, unit, [target], w, h, steps) + {
      options: { colorMode: 'background' },
    },

  // A dashboard filter over a label of a catalog metric.
  variable(metric, label):: {
    type: 'query',
    name: label,
    label: label,
    datasource: $.prometheus,
    query: 'label_values(%s, %s)' % [metric, label],
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
  },

  dashboard(uid, title, description, tags, panels, variables=[]):: {
    uid: uid,
    title: title,
    description: description,
    tags: tags,
    editable: false,
    graphTooltip: 1,
    refresh: '1m',
    timezone: 'browser',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: variables },
    panels: panels,
  },
}
