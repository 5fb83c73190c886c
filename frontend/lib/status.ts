/** What the status line says while a node of the agent's graph runs. */

const LABELS: Record<string, string> = {
  load_memory: 'Remembering the conversation…',
  classify_mode: 'Reading the question…',
  route: 'Choosing an approach…',
  advise: 'Thinking it over…',
  decompose: 'Breaking the question down…',
  classify_tasks: 'Sorting out the steps…',
  plan: 'Planning…',
  write_query: 'Writing the query…',
  execute: 'Running the query…',
  review: 'Checking the result…',
  respond: 'Writing the answer…',
  save_memory: 'Saving the conversation…',
};

export function statusLabel(node: string): string {
  return LABELS[node] ?? 'Working…';
}
