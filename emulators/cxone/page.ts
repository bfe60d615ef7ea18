import type { CxoneModel } from './model.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small control page for the demo: every agent's state, with buttons that call /_emulator/. */
export function controlPage(model: CxoneModel): string {
  const codes = model.codes();
  const rows = model
    .all()
    .slice(0, 500)
    .map((s) => {
      const a = model.agent(s.agentId);
      const name = a ? `${a.firstName} ${a.lastName}` : s.agentId;
      const id = esc(s.agentId);
      const opts = codes.map((c) => `<option value="${c.outStateId}">${esc(c.outStateName)}</option>`).join('');
      return `<tr><td>${id}</td><td>${esc(name)}</td><td>${esc(s.state)}${s.outStateName ? ` / ${esc(s.outStateName)}` : ''}${s.isAcw ? ' (ACW)' : ''}</td>
<td><button onclick="post('${id}','login')">Log in</button><button onclick="post('${id}','logout')">Log out</button>
<button onclick="post('${id}','state',{state:'Available'})">Available</button>
<select onchange="post('${id}','state',{state:'Unavailable',outStateId:Number(this.value)})"><option>Unavailable…</option>${opts}</select>
<button onclick="post('${id}','contact/start',{type:'inbound'})">Inbound call</button>
<button onclick="post('${id}','contact/start',{type:'outbound'})">Outbound call</button>
<button onclick="post('${id}','contact/start',{type:'inbound',agentToAgent:true})">Agent consult</button>
<button onclick="post('${id}','contact/end',{acw:true})">End → ACW</button><button onclick="post('${id}','contact/end')">End</button>
<button onclick="post('${id}','drive-day',{speed:60})">Drive a day (×60)</button></td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CXone emulator</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}button{margin:1px}</style>
</head><body><h1>CXone emulator</h1>
<p><button onclick="fault({kind:'outage',forMs:30000})">Outage 30 s</button>
<button onclick="fault({kind:'throttle',requests:5,retryAfterSec:1})">Throttle 5 requests</button>
<button onclick="fault({kind:'server_error',requests:3})">3 server errors</button>
<button onclick="call('DELETE','faults')">Clear faults</button>
<button onclick="call('POST','key/revoke')">Revoke key</button><button onclick="call('POST','key/restore')">Restore key</button></p>
<table><thead><tr><th>Agent</th><th>Name</th><th>State</th><th>Actions</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>
async function call(method, path, body){const r=await fetch('/_emulator/'+path,{method,headers:{'content-type':'application/json'},body:body?JSON.stringify(body):undefined});if(!r.ok)alert((await r.json()).errorDescription);else location.reload();}
function post(id, action, body){return call('POST','agents/'+encodeURIComponent(id)+'/'+action, body||{});}
function fault(f){return call('POST','faults',f);}
</script></body></html>`;
}
