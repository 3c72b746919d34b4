import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FieldError } from '../../../lib/api';

/** Errors of a save or publish not tied to a field shown elsewhere: pointer and message. */
export function ServerErrors({ title, errors }: { title?: string; errors: FieldError[] }) {
  const { t } = useTranslation();
  if (!errors.length && !title) return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="server-errors"
      title={title ?? t('defs.saveFailed')}
      description={
        errors.length ? (
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {errors.map((e, i) => (
              <li key={i}>
                {e.pointer && <code>{e.pointer}</code>} {e.message}
              </li>
            ))}
          </ul>
        ) : undefined
      }
    />
  );
}
