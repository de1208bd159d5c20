import { mount } from 'svelte';
import { isLocale } from '$server/contract/i18n/locales';
import type { RetrospectiveView } from '$server/contract/retrospective';
import { applyDocumentLanguage, i18n } from '../i18n/i18n.svelte';
import RetroReport from './RetroReport.svelte';
import '../lib/theme.css';

/** The HTML export's script: the same report as the page, fed from the data the file carries. */
const data = JSON.parse(document.getElementById('retrospective-data')!.textContent!) as RetrospectiveView;
// The file reads in the language it was downloaded in (its <html lang>), whatever the browser that opens it says.
const language = document.documentElement.lang;
if (isLocale(language)) i18n.locale = language;
applyDocumentLanguage();
const app = document.getElementById('app')!;
app.replaceChildren();
app.classList.add('export');
mount(RetroReport, { target: app, props: { retro: data } });
