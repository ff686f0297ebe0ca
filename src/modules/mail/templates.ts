/**
 * Transactional mails in the recipient's language. Texts hold facts and links built from
 * PUBLIC_BASE_URL, never a password; the reset link is the only secret a mail may carry.
 */
export type Locale = 'es' | 'en' | 'pt-BR';

export type MailTemplate =
  | { template: 'password_reset'; payload: { name: string; link: string; minutes: number } }
  | { template: 'password_changed'; payload: { name: string; at: string } }
  | { template: 'account_locked'; payload: { name: string; minutes: number } }
  | { template: 'token_reuse'; payload: { name: string } }
  | { template: 'member_added'; payload: { name: string; client: string; role: string } }
  | { template: 'role_changed'; payload: { name: string; client: string; role: string } }
  | { template: 'invitation'; payload: { name: string; client: string; link: string } }
  | {
      template: 'added_to_client';
      payload: { name: string; client: string; role: string; actor: string; link: string };
    }
  | {
      template: 'privileged_access';
      payload: { client: string; actor: string; role: string; reason: string; at: string };
    };

export type TemplateName = MailTemplate['template'];

interface Rendered {
  subject: string;
  text: string;
}

type Renderer<T> = (p: T) => Rendered;
type Catalog = {
  [K in TemplateName]: Record<Locale, Renderer<Extract<MailTemplate, { template: K }>['payload']>>;
};

const sign = {
  es: '\n\n— El equipo de FinOpsLatam',
  en: '\n\n— The FinOpsLatam team',
  'pt-BR': '\n\n— Equipe FinOpsLatam',
};

const catalog: Catalog = {
  password_reset: {
    es: (p) => ({
      subject: 'Restablecer tu contraseña de FinOpsLatam',
      text:
        `Hola ${p.name}:\n\nRecibimos una solicitud para restablecer tu contraseña. ` +
        `Usa este enlace dentro de los próximos ${p.minutes} minutos:\n\n${p.link}\n\n` +
        'Si no lo pediste tú, ignora este mensaje: tu contraseña no cambia.' +
        sign.es,
    }),
    en: (p) => ({
      subject: 'Reset your FinOpsLatam password',
      text:
        `Hello ${p.name},\n\nWe received a request to reset your password. ` +
        `Use this link within the next ${p.minutes} minutes:\n\n${p.link}\n\n` +
        'If you did not ask for it, ignore this message: your password does not change.' +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: 'Redefina sua senha do FinOpsLatam',
      text:
        `Olá, ${p.name}.\n\nRecebemos um pedido para redefinir sua senha. ` +
        `Use este link nos próximos ${p.minutes} minutos:\n\n${p.link}\n\n` +
        'Se não foi você, ignore esta mensagem: sua senha não muda.' +
        sign['pt-BR'],
    }),
  },
  password_changed: {
    es: (p) => ({
      subject: 'Tu contraseña de FinOpsLatam cambió',
      text:
        `Hola ${p.name}:\n\nTu contraseña se cambió el ${p.at} (UTC) y cerramos tus demás ` +
        'sesiones. Si no fuiste tú, pide un enlace de restablecimiento de inmediato y avisa ' +
        'al administrador de tu empresa.' +
        sign.es,
    }),
    en: (p) => ({
      subject: 'Your FinOpsLatam password was changed',
      text:
        `Hello ${p.name},\n\nYour password was changed on ${p.at} (UTC) and your other ` +
        'sessions were signed out. If this was not you, request a reset link right away and ' +
        "tell your company's administrator." +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: 'Sua senha do FinOpsLatam foi alterada',
      text:
        `Olá, ${p.name}.\n\nSua senha foi alterada em ${p.at} (UTC) e suas outras sessões ` +
        'foram encerradas. Se não foi você, peça um link de redefinição imediatamente e avise ' +
        'o administrador da sua empresa.' +
        sign['pt-BR'],
    }),
  },
  account_locked: {
    es: (p) => ({
      subject: 'Bloqueamos temporalmente tu cuenta de FinOpsLatam',
      text:
        `Hola ${p.name}:\n\nHubo demasiados intentos fallidos de inicio de sesión, así que ` +
        `bloqueamos tu cuenta por ${p.minutes} minutos. Si no fuiste tú, te recomendamos ` +
        'restablecer tu contraseña cuando termine el bloqueo.' +
        sign.es,
    }),
    en: (p) => ({
      subject: 'Your FinOpsLatam account is temporarily locked',
      text:
        `Hello ${p.name},\n\nThere were too many failed sign-in attempts, so your account is ` +
        `locked for ${p.minutes} minutes. If this was not you, we recommend resetting your ` +
        'password once the lock ends.' +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: 'Sua conta do FinOpsLatam foi bloqueada temporariamente',
      text:
        `Olá, ${p.name}.\n\nHouve muitas tentativas de login sem sucesso, então bloqueamos sua ` +
        `conta por ${p.minutes} minutos. Se não foi você, recomendamos redefinir sua senha ` +
        'quando o bloqueio terminar.' +
        sign['pt-BR'],
    }),
  },
  token_reuse: {
    es: (p) => ({
      subject: 'Cerramos una sesión sospechosa en FinOpsLatam',
      text:
        `Hola ${p.name}:\n\nUna credencial de sesión ya usada se presentó otra vez, lo que ` +
        'puede indicar que fue copiada. Cerramos esa sesión. Si no reconoces la actividad, ' +
        'cambia tu contraseña.' +
        sign.es,
    }),
    en: (p) => ({
      subject: 'We closed a suspicious FinOpsLatam session',
      text:
        `Hello ${p.name},\n\nA session credential that had already been used was presented ` +
        'again, which may mean it was copied. We closed that session. If you do not recognise ' +
        'the activity, change your password.' +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: 'Encerramos uma sessão suspeita no FinOpsLatam',
      text:
        `Olá, ${p.name}.\n\nUma credencial de sessão já usada foi apresentada de novo, o que ` +
        'pode indicar que foi copiada. Encerramos essa sessão. Se não reconhece a atividade, ' +
        'altere sua senha.' +
        sign['pt-BR'],
    }),
  },
  member_added: {
    es: (p) => ({
      subject: `Nuevo miembro en ${p.client}`,
      text: `Hola:\n\n${p.name} ahora es miembro de ${p.client} con el rol ${p.role}.` + sign.es,
    }),
    en: (p) => ({
      subject: `New member in ${p.client}`,
      text: `Hello,\n\n${p.name} is now a member of ${p.client} with the role ${p.role}.` + sign.en,
    }),
    'pt-BR': (p) => ({
      subject: `Novo membro em ${p.client}`,
      text:
        `Olá.\n\n${p.name} agora é membro de ${p.client} com o papel ${p.role}.` + sign['pt-BR'],
    }),
  },
  role_changed: {
    es: (p) => ({
      subject: `Cambio de rol en ${p.client}`,
      text: `Hola:\n\nEl rol de ${p.name} en ${p.client} ahora es ${p.role}.` + sign.es,
    }),
    en: (p) => ({
      subject: `Role changed in ${p.client}`,
      text: `Hello,\n\n${p.name}'s role in ${p.client} is now ${p.role}.` + sign.en,
    }),
    'pt-BR': (p) => ({
      subject: `Papel alterado em ${p.client}`,
      text: `Olá.\n\nO papel de ${p.name} em ${p.client} agora é ${p.role}.` + sign['pt-BR'],
    }),
  },
  invitation: {
    es: (p) => ({
      subject: `Te invitaron a ${p.client} en FinOpsLatam`,
      text:
        `Hola ${p.name}:\n\nTienes acceso a ${p.client} en FinOpsLatam. Define tu contraseña ` +
        `con este enlace:\n\n${p.link}` +
        sign.es,
    }),
    en: (p) => ({
      subject: `You were invited to ${p.client} on FinOpsLatam`,
      text:
        `Hello ${p.name},\n\nYou now have access to ${p.client} on FinOpsLatam. Set your ` +
        `password with this link:\n\n${p.link}` +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: `Você foi convidado para ${p.client} no FinOpsLatam`,
      text:
        `Olá, ${p.name}.\n\nVocê agora tem acesso a ${p.client} no FinOpsLatam. Defina sua ` +
        `senha com este link:\n\n${p.link}` +
        sign['pt-BR'],
    }),
  },
  added_to_client: {
    es: (p) => ({
      subject: `Te agregaron a ${p.client} en FinOpsLatam`,
      text:
        `Hola ${p.name}:\n\n${p.actor} te agregó a ${p.client} con el rol ${p.role}. Entra ` +
        `con tu cuenta de siempre:\n\n${p.link}\n\nSi no esperabas este acceso, escríbele a ` +
        'quien te agregó.' +
        sign.es,
    }),
    en: (p) => ({
      subject: `You were added to ${p.client} on FinOpsLatam`,
      text:
        `Hello ${p.name},\n\n${p.actor} added you to ${p.client} as ${p.role}. Sign in with ` +
        `your usual account:\n\n${p.link}\n\nIf you did not expect this access, contact ` +
        'whoever added you.' +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: `Você foi adicionado a ${p.client} no FinOpsLatam`,
      text:
        `Olá, ${p.name}.\n\n${p.actor} adicionou você a ${p.client} com o papel ${p.role}. ` +
        `Entre com a sua conta de sempre:\n\n${p.link}\n\nSe você não esperava este ` +
        'acesso, fale com quem adicionou você.' +
        sign['pt-BR'],
    }),
  },
  privileged_access: {
    es: (p) => ({
      subject: `Acceso de soporte a ${p.client}`,
      text:
        `Hola:\n\n${p.actor} (${p.role} de la plataforma) entró a los datos de ${p.client} ` +
        `el ${p.at} (UTC).\nMotivo declarado: ${p.reason}\n\nQueda registrado en el ` +
        'historial de seguridad de tu empresa.' +
        sign.es,
    }),
    en: (p) => ({
      subject: `Platform access to ${p.client}`,
      text:
        `Hello,\n\n${p.actor} (platform ${p.role}) entered ${p.client}'s data on ${p.at} ` +
        `(UTC).\nStated reason: ${p.reason}\n\nThis is recorded in your company's security ` +
        'history.' +
        sign.en,
    }),
    'pt-BR': (p) => ({
      subject: `Acesso da plataforma a ${p.client}`,
      text:
        `Olá.\n\n${p.actor} (${p.role} da plataforma) acessou os dados de ${p.client} em ` +
        `${p.at} (UTC).\nMotivo informado: ${p.reason}\n\nIsso fica registrado no histórico ` +
        'de segurança da sua empresa.' +
        sign['pt-BR'],
    }),
  },
};

export function renderMail(mail: MailTemplate, locale: string): Rendered {
  const lang: Locale = locale === 'en' || locale === 'pt-BR' ? locale : 'es';
  const render = catalog[mail.template][lang] as Renderer<typeof mail.payload>;
  return render(mail.payload);
}
