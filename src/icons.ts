import { LabIcon } from '@jupyterlab/ui-components';

const readinessSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <path class="jp-icon3" fill="#616161" d="M12 1.5 3.5 5v6.2c0 5.1 3.6 9.9 8.5 11.3 4.9-1.4 8.5-6.2 8.5-11.3V5L12 1.5Zm0 2.2 6.5 2.7v4.8c0 4-2.7 7.9-6.5 9.2-3.8-1.3-6.5-5.2-6.5-9.2V6.4L12 3.7Z"/>
  <path class="jp-icon3" fill="#616161" d="m10.6 15.6-3.3-3.3 1.4-1.4 1.9 1.9 4.7-4.7 1.4 1.4-6.1 6.1Z"/>
</svg>`;

const packageSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <path class="jp-icon3" fill="#616161" d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2Zm0 2.2 6.4 3.2L12 10.6 5.6 7.4 12 4.2ZM5 9l6 3v7.5l-6-3V9Zm8 10.5V12l6-3v7.5l-6 3Z"/>
</svg>`;

const errorSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">
  <circle cx="8" cy="8" r="7" class="jp-mlops-sev-fill" />
  <path d="M5.2 5.2 10.8 10.8M10.8 5.2 5.2 10.8" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>
</svg>`;

const warningSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">
  <path d="M8 1.2 15.2 14.3H.8L8 1.2Z" class="jp-mlops-sev-fill" stroke-linejoin="round"/>
  <path d="M8 5.6v4.2" stroke="#fff" stroke-width="1.7" stroke-linecap="round"/>
  <circle cx="8" cy="12" r="1" fill="#fff"/>
</svg>`;

const infoSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">
  <circle cx="8" cy="8" r="7" class="jp-mlops-sev-fill" />
  <path d="M8 7.2v4.4" stroke="#fff" stroke-width="1.7" stroke-linecap="round"/>
  <circle cx="8" cy="4.7" r="1" fill="#fff"/>
</svg>`;

const checkSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <circle cx="12" cy="12" r="10" class="jp-mlops-ok-fill"/>
  <path d="m7.5 12.5 3 3 6-6.5" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;

export const readinessIcon = new LabIcon({
  name: 'jupyter-mlops:readiness',
  svgstr: readinessSvg
});
export const packageIcon = new LabIcon({
  name: 'jupyter-mlops:package',
  svgstr: packageSvg
});
export const errorIcon = new LabIcon({
  name: 'jupyter-mlops:error',
  svgstr: errorSvg
});
export const warningIcon = new LabIcon({
  name: 'jupyter-mlops:warning',
  svgstr: warningSvg
});
export const infoIcon = new LabIcon({
  name: 'jupyter-mlops:info',
  svgstr: infoSvg
});
export const checkIcon = new LabIcon({
  name: 'jupyter-mlops:check',
  svgstr: checkSvg
});

export const severityIcon = {
  error: errorIcon,
  warning: warningIcon,
  info: infoIcon
};
