import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { AriaLabelConfig } from '@xyflow/react';

/**
 * React Flow's control titles and screen-reader texts in the UI language: its defaults are
 * English ("Zoom In", "Fit View"), which showed on every Chinese canvas.
 */
export function useFlowLabels(): Partial<AriaLabelConfig> {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      'controls.ariaLabel': t('flowCanvas.controls'),
      'controls.zoomIn.ariaLabel': t('flowCanvas.zoomIn'),
      'controls.zoomOut.ariaLabel': t('flowCanvas.zoomOut'),
      'controls.fitView.ariaLabel': t('flowCanvas.fitView'),
      'controls.interactive.ariaLabel': t('flowCanvas.interactive'),
      'minimap.ariaLabel': t('flowCanvas.miniMap'),
      'handle.ariaLabel': t('flowCanvas.handle'),
      'node.a11yDescription.default': t('flowCanvas.node'),
      'node.a11yDescription.keyboardDisabled': t('flowCanvas.nodeKeyboard'),
      'edge.a11yDescription.default': t('flowCanvas.edge'),
      'node.a11yDescription.ariaLiveMessage': ({ x, y }: { x: number; y: number }) => t('flowCanvas.moved', { x, y }),
    }),
    [t],
  );
}
