import { useEffect, useRef, useState } from 'react';

/**
 * A page's "Add …" button and the form it opens. Opening moves focus to the form's heading (or there again when the
 * form is already open); closing moves it to `returnFocus()` when that gives an element, else back to the button.
 */
export function useAddForm(returnFocus?: () => HTMLElement | null) {
  const [adding, setAdding] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);
  const formHeading = useRef<HTMLHeadingElement>(null);
  const focusOnClose = useRef(returnFocus);
  focusOnClose.current = returnFocus;

  const wasAdding = useRef(adding);
  useEffect(() => {
    if (adding && !wasAdding.current) formHeading.current?.focus();
    if (!adding && wasAdding.current) (focusOnClose.current?.() ?? addButton.current)?.focus();
    wasAdding.current = adding;
  }, [adding]);

  function open() {
    if (adding) formHeading.current?.focus();
    else setAdding(true);
  }

  return { adding, setAdding, open, addButton, formHeading };
}
