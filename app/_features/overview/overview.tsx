'use client';

import Link from 'next/link';
import { useMemo } from 'react';
import { z } from 'zod';
import { formatDuration, formatRate } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { Badge } from '../../_components/badge.tsx';
import { Empty, ErrorState, Loading, QueryStates } from '../../_components/states.tsx';
import { useHealth } from '../health/api.ts';
import { useTopology } from './api.ts';
import { FlowMap } from './flow-map.tsx';
import { drillHref, visibleTopology } from './flow-style.ts';
import { HealthTiles } from './health-tiles.tsx';

const overviewUrlShape = { node: z.string().max(512), idle: z.enum(['1']) };

export function Overview() {
  const health = useHealth();
  const topology = useTopology();
  const [url, setUrl] = useUrlState(overviewUrlShape);
  const selected = url.node ?? null;
  const t = topology.data;
  const shown = useMemo(() => (t ? visibleTopology(t, url.idle === '1') : null), [t, url.idle]);
  const node = t && selected ? t.nodes.find((n) => n.id === selected) : undefined;

  return (
    <div>
      <div className="page-head">
        <h1>Overview</h1>
        <span className="muted">
          What flows where, and how healthy it is. Click a node to see its flows; Enter opens it.
        </span>
      </div>
      {health.isError ? (
        <ErrorState error={health.error} what="collector health" onRetry={() => void health.refetch()} />
      ) : null}
      {health.data ? (
        <HealthTiles health={health.data} />
      ) : health.isPending ? (
        <Loading what="health" />
      ) : null}
      <div className={node ? 'split' : ''}>
        <div className="card">
          <h2>
            Flow map{' '}
            {t ? <span className="muted">(last {formatDuration(t.windowMs)} of traffic)</span> : null}
          </h2>
          <QueryStates query={topology} what="the flow map" />
          {t && t.nodes.length === 0 ? (
            <Empty
              title="No traffic seen yet."
              next="The map is drawn from observed records and spans. Place an order in the shop or point the collector at a busy cluster."
            />
          ) : null}
          {t && shown && t.nodes.length > 0 ? (
            <>
              {shown.hidden > 0 || url.idle ? (
                <label className="check muted">
                  <input
                    type="checkbox"
                    checked={url.idle === '1'}
                    onChange={(e) => setUrl({ idle: e.target.checked ? '1' : null })}
                    data-testid="flow-show-idle"
                  />
                  Show {shown.hidden > 0 ? `${shown.hidden} ` : ''}idle topics, groups and services
                </label>
              ) : null}
              <FlowMap
                topology={shown.topology}
                selected={selected}
                onSelect={(id) => setUrl({ node: id })}
              />
            </>
          ) : null}
        </div>
        {node && t ? (
          <div className="card" data-testid="flow-node-detail">
            <div className="row">
              <h2 className="grow mono">{node.label}</h2>
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => setUrl({ node: null })}
                aria-label="Close"
              >
                ✕
              </button>
            </div>
            <p>
              {node.kind} · {formatRate(node.ratePerSec)}{' '}
              {node.isDlq ? <Badge value="failed" label="DLQ" /> : null}{' '}
              {node.lagStatus ? <Badge value={node.lagStatus} /> : null}
            </p>
            <Link
              className="btn btn-primary"
              href={drillHref(node, t.edges, t.nodes)}
              data-testid="flow-drill-link"
            >
              Open{' '}
              {node.kind === 'group'
                ? 'consumer group'
                : node.kind === 'topic'
                  ? node.isDlq
                    ? 'dead letters'
                    : 'live tail of topic'
                  : 'live tail of its topics'}
            </Link>
            <h3 className="spaced">Flows</h3>
            <table className="table">
              <tbody>
                {t.edges
                  .filter((e) => e.source === node.id || e.target === node.id)
                  .map((e, i) => {
                    const other = t.nodes.find((n) => n.id === (e.source === node.id ? e.target : e.source));
                    return (
                      <tr key={i}>
                        <td>{e.source === node.id ? '→' : '←'}</td>
                        <td className="mono">
                          <button
                            type="button"
                            className="btn btn-ghost"
                            onClick={() => setUrl({ node: other?.id ?? null })}
                          >
                            {other?.label ?? '?'}
                          </button>
                        </td>
                        <td className="num">{formatRate(e.ratePerSec)}</td>
                        <td className="num">{(e.errorRate * 100).toFixed(1)}% errors</td>
                        <td>{e.lagStatus ? <Badge value={e.lagStatus} /> : null}</td>
                      </tr>
                    );
                  })}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </div>
  );
}
