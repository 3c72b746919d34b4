import { Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../../users';

interface Props {
  value?: string;
  onChange?: (value: string) => void;
  /** Admins may list users (GET /users): a searchable picker. Others type a username. */
  canList?: boolean;
  /** Left out of the list (e.g. the current user). */
  exclude?: string[];
}

/** A username for transfer, delegate and add_signer. */
export function UserPicker({ value, onChange, canList = false, exclude = [] }: Props) {
  const { t } = useTranslation();
  const users = useUsers(canList);
  if (canList && !users.isError) {
    const options = (users.data?.items ?? [])
      .filter((u) => !u.disabled && !exclude.includes(u.username))
      .map((u) => ({ value: u.username, label: u.display_name ? `${u.display_name} (${u.username})` : u.username }));
    return (
      <Select
        showSearch={{ optionFilterProp: 'label' }}
        value={value || undefined}
        onChange={(v: string) => onChange?.(v)}
        options={options}
        loading={users.isPending}
        placeholder={t('action.userSelectPlaceholder')}
        data-testid="action-user-select"
      />
    );
  }
  return (
    <Input
      value={value}
      onChange={(e) => onChange?.(e.target.value)}
      placeholder={t('action.userPlaceholder')}
      autoComplete="off"
      maxLength={64}
      data-testid="action-user-input"
    />
  );
}
