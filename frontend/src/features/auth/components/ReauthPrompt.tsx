import { useEffect, useRef, useState } from 'react';
import { Alert, Form, Input, Modal, Typography } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, isApiError, onReauthRequired, type ApiError } from '../../../lib/api';

interface Pending {
  minutes?: number;
  resolve: (ok: boolean) => void;
}

/**
 * The fresh sign-in prompt: a review node may let only a recent sign-in approve a large order (its
 * fresh_sign_in). The server then answers 403 reauth-required and writes nothing; this asks for the password,
 * signs in again (POST /auth/reauth, which replaces the session) and lets the API client retry the request.
 */
export function ReauthPrompt() {
  const { t } = useTranslation();
  const [pending, setPending] = useState<Pending | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<Pending | null>(null);

  useEffect(
    () =>
      onReauthRequired(
        (e: ApiError) =>
          new Promise<boolean>((resolve) => {
            current.current?.resolve(false); // one prompt at a time: an older one gives up
            const minutes = Number(e.problem.within_minutes) || undefined;
            const p = { minutes, resolve };
            current.current = p;
            setPassword('');
            setError(null);
            setPending(p);
          }),
      ),
    [],
  );

  const close = (ok: boolean) => {
    current.current?.resolve(ok);
    current.current = null;
    setPending(null);
    setPassword('');
  };

  const submit = async () => {
    if (!password) return;
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/reauth', { password }, { skipAuthRedirect: true, skipReauth: true });
      close(true);
    } catch (e) {
      setError(isApiError(e) && e.status === 401 ? t('reauth.wrong') : isApiError(e) && e.status === 429 ? t('reauth.tooMany') : t('reauth.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={!!pending}
      title={t('reauth.title')}
      okText={t('reauth.confirm')}
      cancelText={t('common.cancel')}
      onOk={() => void submit()}
      onCancel={() => close(false)}
      confirmLoading={busy}
      okButtonProps={{ disabled: !password, 'data-testid': 'reauth-submit' } as never}
      destroyOnHidden
      data-testid="reauth-modal"
    >
      <Typography.Paragraph>{t('reauth.why', { count: pending?.minutes ?? 15 })}</Typography.Paragraph>
      <Form layout="vertical" onFinish={() => void submit()}>
        <Form.Item label={t('reauth.password')}>
          <Input.Password
            autoFocus
            autoComplete="current-password"
            prefix={<LockOutlined />}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            onPressEnter={() => void submit()}
            data-testid="reauth-password"
          />
        </Form.Item>
      </Form>
      {error ? <Alert type="error" showIcon title={error} data-testid="reauth-error" /> : null}
    </Modal>
  );
}
