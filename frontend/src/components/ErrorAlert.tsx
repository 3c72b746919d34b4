import { Alert, Button, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { isApiError, NetworkError } from '../lib/api';

interface Props {
  error: unknown;
  onRetry?: () => void;
  /** Shown when the error has no title of its own. */
  title?: string;
  style?: React.CSSProperties;
}

/** Shows a server error: problem+json title and detail, and each errors[] pointer with its message. */
export function ErrorAlert({ error, onRetry, title, style }: Props) {
  const { t } = useTranslation();
  if (!error) return null;

  let message = title ?? t('error.title');
  let detail: string | undefined;
  let fieldErrors: { pointer: string; message: string }[] = [];
  let status: number | undefined;
  if (isApiError(error)) {
    message = error.problem.title || message;
    detail = error.problem.detail;
    fieldErrors = error.fieldErrors;
    status = error.status;
  } else if (error instanceof NetworkError) {
    detail = t('common.networkError');
  } else if (error instanceof Error) {
    detail = error.message || t('common.unknownError');
  } else {
    detail = t('common.unknownError');
  }

  return (
    <Alert
      type="error"
      showIcon
      style={style}
      data-testid="error-alert"
      title={
        <span>
          {message}
          {status ? (
            <Typography.Text type="secondary" style={{ marginInlineStart: 8, fontSize: 12 }}>
              {t('error.status', { status })}
            </Typography.Text>
          ) : null}
        </span>
      }
      description={
        detail || fieldErrors.length ? (
          <div>
            {detail ? <div data-testid="error-detail">{detail}</div> : null}
            {fieldErrors.length ? (
              <div style={{ marginTop: detail ? 8 : 0 }}>
                <Typography.Text strong>{t('error.fieldErrors')}</Typography.Text>
                <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }} data-testid="error-fields">
                  {fieldErrors.map((e, i) => (
                    <li key={`${e.pointer}-${i}`}>
                      {e.pointer ? <Typography.Text code>{e.pointer}</Typography.Text> : null} {e.message}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </div>
        ) : undefined
      }
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
