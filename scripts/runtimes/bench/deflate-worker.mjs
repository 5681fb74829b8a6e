// workerd runner of the deflate engine benchmark. Inside a Worker the clock stands still while JavaScript runs,
// so it is timed from outside (deflate-engines.mjs, as worker.mjs is): /tasks lists the tasks, /run?id=K&n=N runs
// one N times. The tasks are made at the first request (a Worker may not start streams at load).
import { deflateTasks, repeat } from './deflate-core.mjs';

let list;

export default {
  async fetch(request) {
    list ??= await deflateTasks();
    const url = new URL(request.url);
    if (url.pathname === '/tasks') return Response.json({ tasks: list.map(({ run, ...task }) => task) });
    const task = list[Number(url.searchParams.get('id'))];
    return new Response(String(await repeat(task, Number(url.searchParams.get('n')))));
  },
};
