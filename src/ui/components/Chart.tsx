import type { Chart as ChartData } from '../../server/dashboard/api';

/** A chart rendered to SVG by vega on the server (the report's spec builders); text in it is escaped by vega. */
export function Chart({ chart }: { chart: ChartData }) {
  return (
    <figure className="chart" data-testid="chart">
      <figcaption>{chart.title}</figcaption>
      <div className="chart-svg" dangerouslySetInnerHTML={{ __html: chart.svg }} />
    </figure>
  );
}

export function Charts({ charts }: { charts: readonly ChartData[] }) {
  if (!charts.length) return null;
  return (
    <div className="charts">
      {charts.map((chart) => (
        <Chart key={chart.title} chart={chart} />
      ))}
    </div>
  );
}
