import { Avatar, Button, Card, Flex, List, Typography } from 'antd';
import { BellOutlined, GlobalOutlined, LogoutOutlined, RightOutlined, UserOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useLogout, useMe } from '../features/auth';
import { LanguageSwitcher } from './LanguageSwitcher';

/** "Me" on the phone's bottom navigation: who is signed in, the language, where notifications go, sign out. */
export function MePage() {
  const { t } = useTranslation();
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const user = me.data?.user;
  return (
    <Flex vertical gap={12}>
      <Card>
        <Flex align="center" gap={12}>
          <Avatar size={48} icon={<UserOutlined />} />
          <div style={{ minWidth: 0 }}>
            <Typography.Title level={4} style={{ margin: 0 }} ellipsis data-testid="me-name">
              {user?.display_name || user?.username}
            </Typography.Title>
            <Typography.Text type="secondary">{user?.username}</Typography.Text>
          </div>
        </Flex>
      </Card>
      <Card styles={{ body: { padding: 0 } }}>
        <List>
          <List.Item style={{ paddingInline: 16, minHeight: 56 }} extra={<LanguageSwitcher />}>
            <span>
              <GlobalOutlined /> {t('header.language')}
            </span>
          </List.Item>
          <Link to="/me/channels" data-testid="me-channels">
            <List.Item style={{ paddingInline: 16, minHeight: 56 }} extra={<RightOutlined />}>
              <span>
                <BellOutlined /> {t('notifyChannels.title')}
              </span>
            </List.Item>
          </Link>
        </List>
      </Card>
      <Button
        size="large"
        block
        danger
        icon={<LogoutOutlined />}
        loading={logout.isPending}
        onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}
        data-testid="logout"
      >
        {t('header.logout')}
      </Button>
    </Flex>
  );
}
