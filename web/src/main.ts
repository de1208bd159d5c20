import { mount } from 'svelte';
import App from './App.svelte';
import { applyDocumentLanguage } from './i18n/i18n.svelte';
import './lib/theme.css';

applyDocumentLanguage();
mount(App, { target: document.getElementById('app')! });
