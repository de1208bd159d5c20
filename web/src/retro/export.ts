import { mount } from 'svelte';
import type { RetrospectiveView } from '$server/contract/retrospective';
import RetroReport from './RetroReport.svelte';
import '../lib/theme.css';

/** The HTML export's script: the same report as the page, fed from the data the file carries. */
const data = JSON.parse(document.getElementById('retrospective-data')!.textContent!) as RetrospectiveView;
const app = document.getElementById('app')!;
app.replaceChildren();
app.classList.add('export');
mount(RetroReport, { target: app, props: { retro: data } });
