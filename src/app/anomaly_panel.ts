/**
 * The page's anomaly view: the test rows with the highest scores (negative ELBO, one noise
 * draw) and, when the data have labels, the AUC and AP of the normal label against the others.
 * `#anomalies` carries data-auc for automated checks.
 */
import type { FromWorker } from './protocol.js';

type AnomalyMessage = Extract<FromWorker, { type: 'anomalies' }>;

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e;
}

/** Shows the scores of `m`. */
export function showAnomalies(m: AnomalyMessage): void {
  const rows = m.top.map((r) => {
    const tr = document.createElement('tr');
    const label = r.label === null ? '–' : m.classNames?.[r.label] !== undefined ? `${r.label} (${m.classNames[r.label]})` : String(r.label);
    for (const text of [String(r.index), r.score.toFixed(1), label]) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    return tr;
  });
  $('anomaly-rows').replaceChildren(...rows);
  const box = $('anomalies');
  const auc = m.auc === null ? '' : `; label ${m.normal} normal against the others: AUC ${m.auc.toFixed(3)}, AP ${m.ap!.toFixed(3)}`;
  const none = m.normal === null ? '; the test rows have no labels' : m.auc === null ? `; label ${m.normal} normal: the rows shown hold one kind only, no AUC` : '';
  $('anomaly-summary').textContent = `${m.n} test rows scored at step ${m.step} (negative ELBO, one noise draw), the ${m.top.length} highest below${auc}${none}.`;
  if (m.auc === null) delete box.dataset.auc;
  else box.dataset.auc = m.auc.toFixed(4);
}
