/**
 * Element and attribute vocabulary of the script-injection judge. Elements are compared by local name, so
 * `<x:script xmlns:x="http://www.w3.org/1999/xhtml">` and `<svg:script>` count as `script`.
 */

/** Elements that run or load script, or a whole document, by themselves. */
export const SCRIPT_ELEMENTS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'import', 'isindex', 'portal', 'handler',
  'listener', 'vmlframe', 'xmp', 'plaintext', 'noembed',
]);

/**
 * Elements that change what the page does without script of their own (submit, navigate, restyle, take input,
 * host SVG/MathML where script URLs live), with an attribute. Ordinary rich text does not hold them; level 2.
 */
export const ACTIVE_ELEMENTS = new Set([
  'svg', 'math', 'meta', 'link', 'style', 'base', 'template', 'xml', 'animate', 'animatemotion', 'animatetransform', 'set',
  'xsl', 'vml', 'form', 'input', 'button', 'textarea', 'select', 'keygen', 'marquee', 'bgsound', 'layer', 'ilayer', 'xss', 'image', 'video', 'audio', 'source', 'track', 'details', 'dialog', 'maction',
  'foreignobject', 'use', 'feimage', 'discard',
]);

/** Every HTML element name (for level 3: any markup at all in a value that should hold text). */
export const HTML_ELEMENTS = new Set((
  'a abbr acronym address area article aside audio b bdi bdo big blink blockquote body br button canvas caption center ' +
  'cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure font ' +
  'footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li ' +
  'link main map mark marquee menu meta meter nav nobr noframes noscript object ol optgroup option output p param picture ' +
  'pre progress q rp rt ruby s samp script section select small source span strike strong style sub summary sup svg ' +
  'table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr math image'
).split(' '));

/** Event handler names: "on" + one of these prefixes covers the HTML, SVG and legacy IE handlers. */
export const EVENT_PREFIXES = [
  'abort', 'activate', 'after', 'animation', 'auxclick', 'before', 'begin', 'blur', 'bounce', 'cancel', 'canplay',
  'change', 'click', 'close', 'contextmenu', 'copy', 'cuechange', 'cut', 'dblclick', 'deactivate', 'drag', 'drop',
  'durationchange', 'end', 'error', 'filterchange', 'finish', 'focus', 'formdata', 'fullscreen', 'hashchange', 'help',
  'input', 'invalid', 'key', 'layoutcomplete', 'load', 'losecapture', 'message', 'mouse', 'move', 'offline', 'online',
  'page', 'paste', 'pause', 'play', 'pointer', 'popstate', 'progress', 'propertychange', 'ratechange', 'readystatechange',
  'repeat', 'reset', 'resize', 'rowe', 'rowi', 'rows', 'scroll', 'search', 'seek', 'select', 'show', 'stalled', 'start',
  'storage', 'submit', 'suspend', 'timeupdate', 'toggle', 'touch', 'transition', 'unload', 'volumechange', 'waiting', 'wheel',
  'zoom', 'data', 'control', 'stop', 'form', 'timer', 'selectstart', 'selectionchange', 'afterprint', 'beforeprint', 'mousewheel',
  'animationstart', 'animationend', 'contentvisibility', 'scrollend', 'securitypolicyviolation', 'slotchange', 'focusin',
  'focusout', 'gotpointercapture', 'lostpointercapture', 'message', 'orientationchange', 'pageswap', 'pagereveal', 'webkit',
];

/** Attributes whose value is a URL a browser follows or loads (script URLs there run). */
export const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'background', 'lowsrc', 'dynsrc', 'poster', 'codebase', 'code', 'archive',
  'xlink:href', 'values', 'to', 'from', 'by', 'content', 'ping', 'srcset', 'longdesc', 'usemap', 'cite', 'icon', 'manifest',
  'profile', 'classid', 'datasrc', 'xml:base', 'folder', 'xmlns', 'style',
]);
