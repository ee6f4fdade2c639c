import { CascadePage } from './pages/CascadePage';
import { CellPage } from './pages/CellPage';
import { ComparePage } from './pages/ComparePage';
import { DistillPage } from './pages/DistillPage';
import { GrimoirePage } from './pages/GrimoirePage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { ScalingPage } from './pages/ScalingPage';
import { href, useRoute } from './router';

export function App() {
  const route = useRoute();
  return (
    <>
      <header className="topbar">
        <a className="brand" href={href.runs()}>
          Apprentice
        </a>
        <nav>
          <a href={href.runs()} className={route.page === 'runs' ? 'active' : ''}>
            Runs
          </a>
          <a href={href.scaling()} className={route.page === 'scaling' ? 'active' : ''}>
            Scaling
          </a>
        </nav>
      </header>
      <main>
        {route.page === 'runs' && <RunsPage />}
        {route.page === 'run' && <RunPage key={route.id} id={route.id} />}
        {route.page === 'compare' && <ComparePage key={route.ids.join(',')} ids={route.ids} />}
        {route.page === 'scaling' && <ScalingPage />}
        {route.page === 'grimoire' && <GrimoirePage key={route.id} id={route.id} />}
        {route.page === 'distill' && <DistillPage key={route.id} id={route.id} />}
        {route.page === 'cell' && <CellPage key={route.id} id={route.id} />}
        {route.page === 'cascade' && <CascadePage key={route.id} id={route.id} />}
      </main>
    </>
  );
}
