import {
  type CSSProperties,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';

/** About one item's height in pixels, to tell whether the list fits below its button. */
const ITEM_HEIGHT = 36;

export interface MenuAction {
  label: string;
  onSelect: () => void;
  /** Shown in red: it removes something (and asks first). */
  danger?: boolean;
  disabled?: boolean;
}

interface ActionMenuProps {
  actions: readonly MenuAction[];
  /** The button's name: "More actions". */
  label?: string;
  /** The ID of what the actions are about (the row's name), read out after the button's name. */
  describedBy?: string;
  /** The menu's button, for the row to give focus back to when a panel an action opened closes. */
  buttonRef?: RefObject<HTMLButtonElement | null>;
}

/**
 * A row's less frequent actions behind one button, as a menu: arrow keys move, Enter chooses, Escape closes, and
 * focus goes back to the button. The list is placed fixed under the button so a scrolling table does not clip it.
 */
export function ActionMenu({ actions, label = 'More actions', describedBy, buttonRef }: ActionMenuProps) {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<CSSProperties>({});
  const ownButton = useRef<HTMLButtonElement>(null);
  const button = buttonRef ?? ownButton;
  const menu = useRef<HTMLDivElement>(null);
  const root = useRef<HTMLSpanElement>(null);
  const menuId = useId();

  function toggle() {
    if (open) return setOpen(false);
    const box = button.current?.getBoundingClientRect();
    if (box) {
      // Below the button, or above it when the list would run off the bottom of the window.
      const roomBelow = window.innerHeight - box.bottom > actions.length * ITEM_HEIGHT + 16;
      const right = Math.max(8, window.innerWidth - box.right);
      setPlace(roomBelow ? { top: box.bottom + 4, right } : { bottom: window.innerHeight - box.top + 4, right });
    }
    setOpen(true);
  }

  useLayoutEffect(() => {
    if (open)
      menu.current
        ?.querySelector<HTMLButtonElement>('[role="menuitem"]:not([aria-disabled="true"])')
        ?.focus({ preventScroll: true });
  }, [open]);

  // A click elsewhere, a scroll or a resize closes it: the list is placed for where the button was.
  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (event.type === 'pointerdown' && root.current?.contains(event.target as Node)) return;
      setOpen(false);
    };
    document.addEventListener('pointerdown', close);
    window.addEventListener('scroll', close, true);
    window.addEventListener('resize', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      window.removeEventListener('scroll', close, true);
      window.removeEventListener('resize', close);
    };
  }, [open]);

  function choose(action: MenuAction) {
    if (action.disabled) return;
    setOpen(false);
    // Back on the button first, so an action that moves focus (a dialog, a form) has the last word.
    button.current?.focus();
    action.onSelect();
  }

  function moveFocus(event: KeyboardEvent<HTMLDivElement>) {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const to: Record<string, number> = {
      ArrowDown: (at + 1) % items.length,
      ArrowUp: (at - 1 + items.length) % items.length,
      Home: 0,
      End: items.length - 1,
    };
    if (event.key in to) {
      event.preventDefault();
      items[to[event.key] ?? 0]?.focus({ preventScroll: true });
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    } else if (event.key === 'Tab') setOpen(false);
  }

  return (
    <span className="action-menu" ref={root}>
      <button
        type="button"
        className="small"
        ref={button}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-describedby={describedBy}
        onClick={toggle}
      >
        {label} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div
          className="action-menu-list"
          id={menuId}
          role="menu"
          aria-label={label}
          ref={menu}
          onKeyDown={moveFocus}
          style={place}
        >
          {actions.map((action) => (
            <button
              key={action.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={action.danger ? 'danger' : undefined}
              aria-disabled={action.disabled ? true : undefined}
              onClick={() => choose(action)}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
