// workerd runner. Inside a Worker the clock stands still while JavaScript runs
// (it only advances on I/O), so the benchmark is timed from outside: the
// orchestrator calls /run?id=K&n=N and measures the request's wall time.
import * as codec from 'wsframe';
import { repeat, tasks } from './core.mjs';

const list = tasks(codec);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/tasks') {
      return Response.json({ implementation: codec.implementation(), tasks: list.map(({ run, ...task }) => task) });
    }
    const task = list[Number(url.searchParams.get('id'))];
    return new Response(String(repeat(task, Number(url.searchParams.get('n')))));
  },
};
