import { useState } from 'react';
import { api, type Connection } from '../api';
import { AdminForm } from './AdminForm';
import { CertificateField } from './CertificateField';
import { ClientSecretField } from './ClientSecretField';

interface ReplaceCredentialFormProps {
  connectionId: string;
  kind: 'secret' | 'certificate';
  onReplaced: (connection: Connection) => void;
  onCancel: () => void;
}

export function ReplaceCredentialForm({ connectionId, kind, onReplaced, onCancel }: ReplaceCredentialFormProps) {
  const [value, setValue] = useState('');

  async function save() {
    const change = kind === 'secret' ? { clientSecret: value.trim() } : { certificate: { certificatePem: value } };
    onReplaced(await api.updateConnection(connectionId, change));
  }

  return (
    <AdminForm
      id="replace-credential"
      label={kind === 'secret' ? 'New client secret' : 'New certificate'}
      className="replace-form"
      submitLabel={kind === 'secret' ? 'Save secret' : 'Save certificate'}
      ready={value.trim() !== ''}
      onSubmit={save}
      onCancel={onCancel}
    >
      {() =>
        kind === 'secret' ? (
          <ClientSecretField id="new-client-secret" label="New client secret value" value={value} onChange={setValue} />
        ) : (
          <CertificateField
            id="new-certificate"
            label="New certificate and private key (PEM)"
            value={value}
            onChange={setValue}
          />
        )
      }
    </AdminForm>
  );
}
